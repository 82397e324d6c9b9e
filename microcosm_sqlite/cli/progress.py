"""
Progress of long commands: a rich bar on standard error when it is a terminal, nothing otherwise.

The bar is transient (it leaves no line behind), so that what the command prints afterwards (a
table, a report) reads as if no bar had been there, and a pipe or a CI log never sees one.

"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

T = TypeVar("T")

#: Rows between two updates of a bar: often enough to see it move, rarely enough to cost nothing.
BATCH = 1_000


class Bar:
    """What a command tells its bar: work done, and what it is doing now. A no-op without a terminal."""

    def __init__(self, progress: Progress | None = None, task: TaskID | None = None) -> None:
        self.progress = progress
        self.task = task

    @property
    def shown(self) -> bool:
        """Whether anybody sees the bar: work done only to feed it (a count) can be skipped when not."""
        return self.progress is not None

    def expect(self, total: int | None) -> None:
        """Set how much work there is, once known."""
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, amount)

    def describe(self, description: str) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=description)

    def counting(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, advancing the bar by one for each (in batches)."""
        if self.progress is None:
            yield from items
            return
        pending = 0
        for item in items:
            yield item
            pending += 1
            if pending == BATCH:
                self.advance(pending)
                pending = 0
        self.advance(pending)


@contextmanager
def progress_bar(
    description: str, total: int | None = None, unit: str | None = "rows", enabled: bool = True
) -> Iterator[Bar]:
    """
    A bar for the block, counting `unit`s (None: no count, a spinner and the time elapsed).

    `enabled=False` when the block prints to the terminal itself (a table on standard output): the
    bar's redrawing would cut through the lines.

    """
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield Bar()
        return
    count = (
        () if unit is None else (MofNCompleteColumn() if total is not None else TextColumn("{task.completed:,.0f}"),)
    )
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        *count,
        *(() if unit is None else (TextColumn(unit),)),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield Bar(progress, progress.add_task(description, total=total))
