"""
Fork safety without the caller remembering to dispose.

A child process must never use SQLite connections inherited from its parent (SQLite's "How To
Corrupt An SQLite Database File", section 2.6). After a fork the child drops every inherited pool
without closing the parent's connections (`Engine.dispose(close=False)`), and per-process holders
of sessions see a new `generation()` and start afresh.

"""
import os
from weakref import WeakSet

from sqlalchemy.engine import Engine

_engines: "WeakSet[Engine]" = WeakSet()
_generation = 0


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
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)
