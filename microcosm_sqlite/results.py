"""
Lazy, streaming search results.

"""
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import Select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Query, Session

from microcosm_sqlite._lookups import orm_listeners_are_select_safe

__all__ = ["SearchResult"]


T = TypeVar("T")

#: `Session.info` key: how many searches are streaming from the session at this moment.
_STREAMS = "microcosm_sqlite.streams"


def is_streaming(session: Session) -> bool:
    """Whether a search is still being iterated on `session`: closing it would break that search."""
    return bool(session.info.get(_STREAMS))


@contextmanager
def _streaming(session: Session) -> Iterator[None]:
    # A session is used by one thread at a time, so the count needs no lock.
    info = session.info
    info[_STREAMS] = info.get(_STREAMS, 0) + 1
    try:
        yield
    finally:
        info[_STREAMS] -= 1


def _stream_rows(session: Session, rows: Iterable[Any]) -> Iterator[Any]:
    with _streaming(session):
        yield from rows


class SearchResult(Sequence[T], Generic[T]):
    """
    The rows a search matched, fetched only when used.

    Iterating streams the rows in batches of `batch_size` (SQLAlchemy `yield_per`), so memory stays
    flat however many rows match, and every iteration runs the query afresh. Code written for the
    list that `search()` used to return keeps working: `len()` and truthiness ask SQLite for a
    count or an existence test without fetching rows; indexing, slicing and comparing with a list
    load the whole result once and keep it.

    """

    def __init__(self, query: Query[T], batch_size: int) -> None:
        self.query = query
        self.batch_size = batch_size
        self._rows: list[T] | None = None

    def __iter__(self) -> Iterator[T]:
        if self._rows is not None:
            return iter(self._rows)
        return self._stream()

    def _stream(self) -> Iterator[T]:
        with _streaming(self.query.session):
            rows = iter(self.query.yield_per(self.batch_size))
            try:
                first = next(rows)
            except StopIteration:
                return
            except InvalidRequestError:
                # SQLAlchemy refuses yield_per with eager loaders that must see every row first
                # (joinedload of a collection, subqueryload), before any row is read and after
                # closing its cursor. Such a query cannot stream: run it unbatched, as the original
                # `search()` did. Any other error recurs on this second run and propagates.
                yield from self.query
                return
            yield first
            yield from rows

    def __len__(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        # Query.count() wraps the query (with its offset and limit) in a subquery.
        return self.query.count()

    def __bool__(self) -> bool:
        if self._rows is not None:
            return bool(self._rows)
        return bool(self.query.session.query(self.query.exists()).scalar())

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self.all()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SearchResult):
            other = other.all()
        if isinstance(other, (list, tuple)):
            return self.all() == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        loaded = "not loaded" if self._rows is None else f"{len(self._rows)} rows"
        return f"<SearchResult {loaded}>"

    def all(self) -> list[T]:
        """Every row, as a list (loaded once, then kept)."""
        if self._rows is None:
            self._rows = self.query.all()
        return self._rows

    def first(self) -> T | None:
        """The first row, or None."""
        if self._rows is not None:
            return self._rows[0] if self._rows else None
        return self.query.first()

    def rows(self) -> Iterator[Any]:
        """
        Stream plain rows (named tuples of column values) instead of ORM objects.

        Several times faster than objects for scans that only read values: no identity map, no
        instance state.

        """
        statement = self.query.statement
        if not isinstance(statement, Select):
            raise TypeError(f"rows() needs a SELECT query, not {type(statement).__name__}")
        columns = statement.with_only_columns(*statement.selected_columns)
        columns = columns.execution_options(yield_per=self.batch_size)
        session = self.query.session
        if not orm_listeners_are_select_safe(session):
            return _stream_rows(session, session.execute(columns))
        # The ORM's execute would wrap every row through its loading machinery for nothing here
        # (the columns are plain); Core returns the same Row objects about 1.5x faster. What the
        # ORM execute would have done first is kept: autoflush pending changes.
        if session.autoflush:
            session.flush()
        return _stream_rows(session, session.connection().execute(columns))
