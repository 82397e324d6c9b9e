"""
Progress of long work, for whoever is watching: the command line's progress bar.

Builders report every batch they insert; code that runs a build it did not write (the CLI
running a build script) observes those reports without threading a callback through the script.
A ContextVar keeps observers to the thread or task that installed them.

"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: Called with (dataset name, table name, rows loaded so far into that table by this load); a
#: load reports 0 when it starts, then after every batch.
Observer = Callable[[str, str, int], None]

_observers: ContextVar[tuple[Observer, ...]] = ContextVar("progress_observers", default=())


@contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """Call `observer` with every progress report made inside the block."""
    token = _observers.set((*_observers.get(), observer))
    try:
        yield
    finally:
        _observers.reset(token)


def report_rows(data_set: str, table: str, rows: int) -> None:
    """Report rows loaded so far into one table (a no-op when nobody observes)."""
    for observer in _observers.get():
        observer(data_set, table, rows)
