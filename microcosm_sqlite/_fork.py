"""
Fork safety without the caller remembering to dispose.

A child process must never use SQLite connections inherited from its parent (SQLite's "How To
Corrupt An SQLite Database File", section 2.6). After a fork the child drops every inherited pool
without closing the parent's connections (`Engine.dispose(close=False)`), and per-process holders
of sessions see a new `generation()` and start afresh.

"""

import os
from threading import RLock
from types import TracebackType
from weakref import WeakSet

from sqlalchemy.engine import Engine

_engines: "WeakSet[Engine]" = WeakSet()
_locks: "WeakSet[ForkSafeLock]" = WeakSet()
_generation = 0


class ForkSafeLock:
    """
    A re-entrant lock that a forked child gets fresh.

    A lock held by another thread at the moment of a fork stays locked forever in the child, where
    that thread does not exist: the child's first use would deadlock.

    """

    def __init__(self) -> None:
        self._lock = RLock()
        _locks.add(self)

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.__exit__(exc_type, exc, traceback)


def track(engine: Engine) -> Engine:
    """Have `engine` drop its inherited connections in every forked child."""
    _engines.add(engine)
    return engine


def generation() -> int:
    """A number that changes in a child process after each fork."""
    return _generation


def _after_fork_in_child() -> None:
    global _generation
    _generation += 1
    for lock in list(_locks):
        lock._lock = RLock()
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)
