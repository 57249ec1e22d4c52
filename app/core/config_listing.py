"""Every setting as a row (name, environment variable, type, default, current value, description), secrets masked.

What `coopgraph config` prints, and the README's settings table (`coopgraph config --markdown`): generated from the
Settings object itself, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import SecretStr

from app.core.config import PROJECT_ROOT, Settings, env_var


@dataclass(frozen=True)
class SettingRow:
    """One setting as an operator reads it."""

    name: str
    env_var: str
    type: str
    default: str
    current: str
    description: str


def setting_rows(settings: Settings) -> list[SettingRow]:
    """Every field of Settings, in declaration order."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append(
            SettingRow(
                name,
                env_var(name),
                type_name(field.annotation),
                shown(field.default, relative=True),
                shown(getattr(settings, name)),
                field.description or "",
            )
        )
    return rows


def type_name(annotation: Any) -> str:
    """`int`, `float`, `Path | None`, `list[str]`, `debug|info|warning|error` …"""
    origin = get_origin(annotation)
    if origin is Literal:
        return "|".join(str(value) for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(arg) for arg in get_args(annotation))
    if origin is list:
        return f"list[{', '.join(type_name(arg) for arg in get_args(annotation))}]"
    if annotation is type(None):
        return "None"
    return str(getattr(annotation, "__name__", annotation))


def shown(value: Any, relative: bool = False) -> str:
    """A value as text: secrets masked, lists comma-separated, project paths relative when documenting defaults."""
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "set (hidden)" if value.get_secret_value() else "unset"
    if isinstance(value, list):
        return ",".join(str(item) for item in value) if value else "(none)"
    if isinstance(value, Path) and relative and value.is_relative_to(PROJECT_ROOT):
        return f"<project>/{value.relative_to(PROJECT_ROOT).as_posix()}"
    return str(value)


def markdown_table(rows: list[SettingRow]) -> str:
    """The README's table: setting, environment variable, type, default, meaning."""
    lines = ["| setting | environment variable | type | default | what it does |", "|---|---|---|---|---|"]
    for row in rows:
        cells = (row.name, f"`{row.env_var}`", f"`{row.type}`", f"`{row.default}`", row.description)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)
