"""The CLI's view of a long build: one line per stage (parse, validate, infer, index, dumps) with a spinner and time.

A reporter for build_progress.stage: the core only says when a stage starts and ends; this draws it with rich on
stderr (so piped output stays clean), and prints nothing when stderr is not a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from app.core.build_progress import reporting_to


class RichStageReporter:
    """Each stage a row: spinning while it runs, ticked with its duration when done."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def started(self, stage: str) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=None)

    def finished(self, stage: str, seconds: float) -> None:
        task = self.tasks.get(stage)
        if task is not None:
            self.progress.update(task, total=1, completed=1, description=f"{stage} ✓ {seconds:.1f} s")

    def stopped(self, stage: str, seconds: float) -> None:
        task = self.tasks.get(stage)
        if task is not None:
            self.progress.update(task, total=1, completed=0, description=f"{stage} ✗ stopped after {seconds:.1f} s")


@contextmanager
def build_progress(console: Console) -> Iterator[None]:
    """Show the build's stages live on `console` within the block."""
    columns = (SpinnerColumn(finished_text="·"), TextColumn("{task.description}"), TimeElapsedColumn())
    progress = Progress(*columns, console=console, transient=False, disable=not console.is_terminal)
    with progress, reporting_to(RichStageReporter(progress)):
        yield
