"""
Lazy, streaming search results.

"""

import operator
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar, overload

from sqlalchemy import Select
from sqlalchemy.exc import CompileError, InvalidRequestError
from sqlalchemy.orm import Query, Session

from microcosm_sqlite._lookups import orm_listeners_are_select_safe
from microcosm_sqlite._searches import Prepared, prepare
from microcosm_sqlite._sqlalchemy_internals import select_limit

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


class RowSource(Protocol):
    """What fetches and counts a search's rows past its query: each returns None to decline."""

    def prepare(self) -> Prepared | None: ...

    def count(self) -> int | None: ...

    def fetch_all(self) -> list[Any] | None: ...


class SearchResult(Sequence[T], Generic[T]):
    """
    The rows a search matched, fetched only when used.

    Iterating streams the rows in batches of `batch_size` (SQLAlchemy `yield_per`), so memory stays
    flat however many rows match, and every iteration runs the query afresh. Code written for the
    list that `search()` used to return keeps working: `len()` and truthiness ask SQLite for a
    count or an existence test without fetching rows; indexing and slicing fetch only the rows
    asked for (OFFSET/LIMIT on the same query, so the store's order must be total for an index to
    agree with iteration on rows that tie); comparing with a list loads the whole result once and
    keeps it.

    """

    def __init__(self, query: Query[T], batch_size: int) -> None:
        self._setup(query, query.session, batch_size)

    @classmethod
    def deferred(
        cls, build: Callable[[], Query[T]], session: Session, batch_size: int, source: RowSource, whole: bool
    ) -> "SearchResult[T]":
        """
        A result whose rows `source` fetches and counts past the query (or declines to, and the
        query runs), and whose query `build` builds only when needed: for a window, or when the
        source declines. `build` must give the query of those very rows. `whole`: the search's
        limit fits in one batch, so iterating fetches every row in one go rather than in batches.

        """
        result: SearchResult[T] = cls.__new__(cls)
        result._setup(None, session, batch_size)
        result._build, result._source, result._whole = build, source, whole
        return result

    def _setup(self, query: Query[T] | None, session: Session, batch_size: int) -> None:
        self._query = query
        self._session = session
        self._build: Callable[[], Query[T]] | None = None
        self._source: RowSource | None = None
        self._whole = False
        self.batch_size = batch_size
        self._rows: list[T] | None = None

    @property
    def query(self) -> Query[T]:
        """The search's query (built on first use, for a result whose rows are fetched past it)."""
        if self._query is None:
            assert self._build is not None
            self._query = self._build()
        return self._query

    @query.setter
    def query(self, query: Query[T]) -> None:
        self._query, self._build, self._source, self._whole = query, None, None, False
        self._session = query.session

    def __iter__(self) -> Iterator[T]:
        if self._rows is not None:
            return iter(self._rows)
        return self._stream_whole() if self._whole else self._stream()

    def _stream_whole(self) -> Iterator[T]:
        """
        The rows of a search whose limit fits in one batch: fetched in one go, with no stream to set
        up. Still at the first next(), and counted as streaming until they are all given, as any
        search is (a session closed in between would detach them).

        """
        info = self._session.info
        info[_STREAMS] = info.get(_STREAMS, 0) + 1
        try:
            rows = None if self._source is None else self._source.fetch_all()
            yield from self._stream() if rows is None else rows
        finally:
            info[_STREAMS] -= 1

    def _stream(self, window: Query[T] | None = None) -> Iterator[T]:
        """The rows of `window`, or of the whole search, streamed past the ORM where nothing can tell."""

        def query() -> Query[T]:
            return self.query if window is None else window

        # _streaming, inlined: this generator runs on every search, and a context manager around it
        # costs a few microseconds of a search that may take fifty.
        info = (self._session if window is None else window.session).info
        info[_STREAMS] = info.get(_STREAMS, 0) + 1
        try:
            prepared = self._source.prepare() if window is None and self._source is not None else prepare(query())
            if prepared is None:
                yield from self._stream_orm(query())
                return
            streamed = 0
            try:
                for batch in prepared.rows(self.batch_size):
                    yield from batch
                    streamed += len(batch)
            except sqlite3.Error:
                # SQLite failed part-way (a damaged page, undecodable text): the same query through
                # the ORM, in the same transaction, fails at the same row, with the error the
                # library translates it to; the rows before it are not given twice.
                for position, instance in enumerate(self._stream_orm(query())):
                    if position >= streamed:
                        yield instance
        finally:
            info[_STREAMS] -= 1

    def _stream_orm(self, query: Query[T]) -> Iterator[T]:
        rows = iter(query.yield_per(self.batch_size))
        try:
            first = next(rows)
        except StopIteration:
            return
        except InvalidRequestError:
            # SQLAlchemy refuses yield_per with eager loaders that must see every row first
            # (joinedload of a collection, subqueryload), before any row is read and after
            # closing its cursor. Such a query cannot stream: run it unbatched, as the original
            # `search()` did. Any other error recurs on this second run and propagates.
            yield from query
            return
        yield first
        yield from rows

    def __len__(self) -> int:
        if self._rows is not None:
            return len(self._rows)
        if self._source is not None:
            counted = self._source.count()
            if counted is not None:
                return counted
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
        if self._rows is not None or not isinstance(self.query.statement, Select):
            # Loaded already, or a textual query that OFFSET/LIMIT cannot wrap.
            return self.all()[index]
        if isinstance(index, slice):
            return self._slice(index)
        position = operator.index(index)
        if position < 0:
            position += len(self)  # counted in SQL, as a list counts from its end
        rows = self._window(position, position + 1) if position >= 0 else []
        if not rows:
            raise IndexError("search result index out of range")
        return rows[0]

    def _slice(self, index: slice) -> list[T]:
        start, stop, step = (
            None if value is None else operator.index(value) for value in (index.start, index.stop, index.step)
        )
        if step in (None, 1) and (start is None or start >= 0) and (stop is None or stop >= 0):
            return self._window(start or 0, stop)
        # Ends counted from the end, or a step: the positions a list of len(self) rows would take.
        positions = range(*slice(start, stop, step).indices(len(self)))
        if not positions:
            return []
        first, last = min(positions), max(positions)
        if abs(positions.step) == 1:
            rows = self._window(first, last + 1)
        else:
            # The window streamed, keeping every step-th row: [::1000] of a million rows holds
            # a thousand, not the million.
            window = self._window_query(first, last + 1)
            every = abs(positions.step)
            rows = [] if window is None else [row for i, row in enumerate(self._stream(window)) if i % every == 0]
        return rows if positions.step > 0 else rows[::-1]

    def _window(self, start: int, stop: int | None) -> list[T]:
        """Rows `start` to `stop` of the result (as positions in it), fetched alone: flat memory."""
        window = self._window_query(start, stop)
        return [] if window is None else window.all()

    def _window_query(self, start: int, stop: int | None) -> Query[T] | None:
        """
        The query for rows `start` to `stop` of the result, or None when the window is empty.

        `Query.slice()` adds `start` to the search's own offset but replaces its limit, so the
        window is first cut to that limit (`search(limit=3)[5]` is out of range, as in the list).

        """
        limit = self._limit()
        if limit is not None:
            stop = limit if stop is None else min(stop, limit)
        if stop is None:
            stop = sys.maxsize  # SQLite's LIMIT is a signed 64-bit integer
        if stop <= start:
            return None
        return self.query.slice(start, stop)

    def _limit(self) -> int | None:
        """The search's own limit (None: none), which no window may reach past."""
        statement = self.query.statement
        assert isinstance(statement, Select)
        try:
            return select_limit(statement)
        except (CompileError, LookupError):
            # The limit is a SQL expression (or cannot be read here): count the rows it lets
            # through instead.
            return len(self)

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
            # As Query.all() gives them: no eager loading, so iterating loads the same rows.
            self._rows = list(iter(self)) if self._source is not None else self.query.all()
        return self._rows

    def first(self) -> T | None:
        """The first row, or None."""
        if self._rows is not None or not isinstance(self.query.statement, Select):
            rows = self.all()
        else:
            # Not Query.first(): its LIMIT 1 would replace the search's own limit (limit=0).
            rows = self._window(0, 1)
        return rows[0] if rows else None

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
