"""
Session contexts: a session opened for a block of work on one dataset.

"""

from contextvars import ContextVar
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from microcosm_sqlite import _fork
from microcosm_sqlite.errors import NoSessionError

__all__ = ["SessionContext"]

# Innermost last: (dataset name, fork generation, session, the bind factory and its count of the
# dataset's disposals at opening). A ContextVar keeps threads and asyncio tasks apart; the
# generation hides sessions a forked child inherited from its parent; the count hides sessions
# whose dataset was disposed or repointed since (see `open_session`).
_open_sessions: ContextVar[tuple[tuple[str, int, Session, Any, int], ...]] = ContextVar("open_sessions", default=())


def current_session(data_set: str) -> Session:
    """The session of the innermost open `SessionContext` for a dataset."""
    generation = _fork.generation()
    for name, opened_in, session, _, _ in reversed(_open_sessions.get()):
        if name == data_set and opened_in == generation:
            return session
    raise NoSessionError(
        f"no session is open for dataset {data_set!r}: use `with Base.new_context(graph):` around the "
        "work, or give the store get_session=GetOrCreateSession(graph)"
    )


def open_session(data_set: str) -> Session | None:
    """
    The session of the innermost `SessionContext` open for a dataset in this thread, or None
    (also once the dataset has been disposed since the context opened).

    """
    generation = _fork.generation()
    for name, opened_in, session, factory, disposed_before in reversed(_open_sessions.get()):
        if name == data_set and opened_in == generation:
            return session if factory.disposals(name) == disposed_before else None
    return None


class SessionContext:
    """
    Open a session on a dataset for the duration of a block.

        with SessionContext(graph, Base) as context:
            store.search()   # stores find context.session through stores.get_session
            context.commit()

    With `defer_foreign_keys`, foreign keys are checked at commit rather than per statement, so rows
    may arrive before the rows they reference.

    """

    def __init__(
        self,
        graph: Any,
        data_set: Any,
        expire_on_commit: bool = False,
        defer_foreign_keys: bool = False,
    ) -> None:
        self.graph = graph
        self.data_set = data_set.resolve()
        self.expire_on_commit = expire_on_commit
        self.defer_foreign_keys = defer_foreign_keys
        self.session: Session | None = None

    @property
    def name(self) -> str:
        return str(self.data_set.__name__)

    def open(self) -> "SessionContext":
        self.session = self.data_set.new_session(self.graph, expire_on_commit=self.expire_on_commit)
        if self.defer_foreign_keys:
            # The pragma is reset at every COMMIT and ROLLBACK, so it is set in each new transaction.
            event.listen(self.session, "after_begin", _defer_foreign_keys)
        # Counted by the bind factory, which every dispose and repoint goes through, whatever the
        # spelling of the name or whoever calls it (`DataSet.dispose`, `graph.sqlite[name] = path`).
        factory = self.graph.sqlite
        entry = (self.name, _fork.generation(), self.session, factory, factory.disposals(self.name))
        _open_sessions.set(_open_sessions.get() + (entry,))
        return self

    def close(self) -> None:
        if self.session is None:
            return
        session, self.session = self.session, None
        _open_sessions.set(tuple(entry for entry in _open_sessions.get() if entry[2] is not session))
        session.close()

    def commit(self) -> None:
        self._require_session().commit()

    def rollback(self) -> None:
        self._require_session().rollback()

    def _require_session(self) -> Session:
        if self.session is None:
            raise NoSessionError(f"the session context for dataset {self.name!r} is not open")
        return self.session

    def __enter__(self) -> "SessionContext":
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _defer_foreign_keys(session: Session, transaction: Any, connection: Any) -> None:
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
