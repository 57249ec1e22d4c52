"""Fixtures of the shape and check tests: the reference graphs are parsed and validated once per session."""

from __future__ import annotations

import pytest
from fixture_validation import Reference, load_reference


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()
