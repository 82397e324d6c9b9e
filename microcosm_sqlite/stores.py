"""
Stores: the query interface services use to read (and, for writable datasets, write) models.

"""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from inspect import Parameter, signature
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

from sqlalchemy import false, select
from sqlalchemy.exc import IntegrityError, MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Query, Session

from microcosm_sqlite import _fork, _word_search
from microcosm_sqlite._filters import auto_filter_names, check_filters, read_hooks
from microcosm_sqlite._hooks import lookup_safe
from microcosm_sqlite._lookups import NOT_FOUND, find_unique
from microcosm_sqlite._names import data_set_key
from microcosm_sqlite._searches import NONE, SEVERAL, one_of
from microcosm_sqlite._word_searches import plan_word_search
from microcosm_sqlite.constants import DEFAULT_SEARCH_BATCH_SIZE
from microcosm_sqlite.context import current_session
from microcosm_sqlite.errors import (
    DuplicateModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    MultipleModelsFoundError,
)
from microcosm_sqlite.results import SearchResult, is_streaming

__all__ = ["GetOrCreateSession", "Store", "get_session"]

#: The model a store queries: `class AirportStore(Store[Airport])`.
M = TypeVar("M")


_PAGINATION = ("offset", "limit")

_UNIQUE_VIOLATIONS = frozenset({sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY})
#: PostgreSQL's SQLSTATE unique_violation.
_UNIQUE_VIOLATION_STATE = "23505"


def _on_server(session: Session) -> bool:
    """Whether the session reads a dataset on a PostgreSQL server rather than an SQLite file."""
    dialect = getattr(session.bind, "dialect", None)
    return dialect is not None and dialect.name == "postgresql"


def _data_set_name(store: "Store") -> str:
    return str(store.model_class.resolve().__name__)


def get_session(store: "Store") -> Session:
    """The session of the innermost open `SessionContext` for the store's dataset."""
    return current_session(_data_set_name(store))


class GetOrCreateSession:
    """
    A `get_session` that gives each thread its own session per dataset, created on first use.

    Sessions are never shared between threads (SQLAlchemy sessions are not thread-safe), nor
    inherited by a forked child, nor kept once the dataset is disposed or pointed at another
    file (`graph.sqlite[name] = path`): they would go on reading the old file.

    """

    def __init__(self, graph: Any, expire_on_commit: bool = False) -> None:
        self.graph = graph
        self.expire_on_commit = expire_on_commit
        self._local = threading.local()

    def __call__(self, store: "Store") -> Session:
        sessions: dict[str, Session] | None = getattr(self._local, "sessions", None)
        if sessions is None or self._local.generation != _fork.generation():
            sessions = self._local.sessions = {}
            self._local.generation = _fork.generation()
        name = _data_set_name(store)
        session = sessions.get(data_set_key(name))
        if session is None or session.bind is not self.graph.sqlite(name).engine:
            if session is not None and not is_streaming(session):
                # Its dataset was disposed or repointed: give its connection back now, for the
                # retired engine to close. One this thread is still streaming a search from is
                # left to finish on the old file; SQLAlchemy gives its connection back once the
                # session is garbage.
                session.close()
            base = store.model_class.resolve()
            session = sessions[data_set_key(name)] = base.new_session(
                self.graph, expire_on_commit=self.expire_on_commit
            )
        return session


# Per store class: its auto_filter_fields and model_class, and the column each keyword filters on.
_columns: dict[type, tuple[Any, Any, dict[str, Any]]] = {}


def _filter_columns(store: "Store") -> dict[str, Any]:
    """What `Store._auto_filters` filters on for each keyword, read once per `auto_filter_fields`."""
    fields, model = store.auto_filter_fields, store.model_class
    cached = _columns.get(type(store))
    if cached is None or cached[0] is not fields or cached[1] is not model:
        # A name the model lacks is left out: `_auto_filters` raises for it only when it is given.
        columns = {
            (field if isinstance(field, str) else field.key): (
                getattr(model, field, None) if isinstance(field, str) else field
            )
            for field in fields or ()
        }
        columns = {name: column for name, column in columns.items() if column is not None}
        cached = _columns[type(store)] = (fields, model, columns)
    return cached[2]


def _session_getter(get_session: Callable[..., Session]) -> Callable[["Store"], Session]:
    """Accept both `get_session(store)` and the common test idiom `get_session=lambda: session`."""
    try:
        parameters = signature(get_session).parameters.values()
    except (TypeError, ValueError):
        return get_session
    takes_store = any(
        parameter.kind in (Parameter.POSITIONAL_ONLY, Parameter.POSITIONAL_OR_KEYWORD, Parameter.VAR_POSITIONAL)
        for parameter in parameters
    )
    if takes_store:
        return get_session
    return lambda store: get_session()


class Store(Generic[M]):
    """
    Query one model.

    `class AirportStore(Store[Airport])` types the store (`one() -> Airport`, `search() ->
    SearchResult[Airport]`) and sets `model_class = Airport`; the 2.0 style, `class
    AirportStore(Store)` with a `model_class` attribute or property, works as before, untyped.

    Subclasses set `model_class` (unless the type parameter names it) and, optionally,
    `auto_filter_fields`: columns that keyword arguments of the same name filter on (None values
    are ignored). Queries are built by the overridable hooks `_query`, `_filter`, `_order_by` and
    `_paginate`, in that order.

    A keyword that neither `auto_filter_fields` nor the store's own hooks use is
    `UnknownFilterError`, raised before any SQL runs (see `microcosm_sqlite._filters`).
    `accepted_filters` lists keywords the hooks read in ways their source does not show.

    `get_session` is a plain attribute, assignable at any time: `get_session(store)` or
    `get_session()` returning the session to use.

    """

    model_class: ClassVar[Any] = None
    auto_filter_fields: ClassVar[Any] = ()
    accepted_filters: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, get_session: Callable[..., Session] = get_session) -> None:
        self.get_session = get_session

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Store[Airport] names the model once, for the type checker and for queries alike; a
        # model_class set in the class body (or inherited from a store that set one) wins.
        if not any("model_class" in base.__dict__ for base in cls.__mro__ if base is not Store):
            for base in getattr(cls, "__orig_bases__", ()):
                if get_origin(base) is Store:
                    (model,) = get_args(base)
                    if isinstance(model, type):
                        cls.model_class = model
        # Now, while the file on disk is the one the class was just compiled from.
        read_hooks(cls)

    @property
    def session(self) -> Session:
        # getattr: a subclass may not have called Store.__init__.
        getter = getattr(self, "get_session", get_session)
        # Adapting inspects a signature: done once per getter, not once per query.
        adapted = self.__dict__.get("_adapted_get_session")
        if adapted is None or adapted[0] is not getter:
            adapted = self.__dict__["_adapted_get_session"] = (getter, _session_getter(getter))
        return adapted[1](self)

    @contextmanager
    def flushing(self) -> Iterator[None]:
        """Flush at the end of the block, turning integrity failures into model errors."""
        try:
            yield
            self.session.flush()
        except IntegrityError as error:
            self.session.rollback()
            raise self._integrity_error(error) from error

    def create(self, instance: M) -> M:
        """
        Add `instance` to the session and flush it; returns it.

        A unique violation is `DuplicateModelError`, any other integrity failure
        `ModelIntegrityError` (the session rolled back). On a read-only dataset,
        `ReadOnlyDataSetError` (2.0 wrote to the file).

        """
        with self.flushing():
            self.session.add(instance)
        return instance

    def delete(self, **kwargs: Any) -> bool:
        """
        Delete every row the filters match, in one statement; True, or `ModelNotFoundError`.

        A keyword nothing filters on is `UnknownFilterError` before any SQL (2.0 ignored it and
        deleted every row).

        """
        check_filters(self, kwargs)
        with self.flushing():
            deleted = self._filter(self._query(), **kwargs).delete(synchronize_session=False)
        if not deleted:
            raise self._not_found(kwargs)
        return True

    def count(self, **kwargs: Any) -> int:
        """How many rows the filters match; `offset` and `limit` are ignored, as in 2.0."""
        # Pagination means nothing to a count, as in 2.0: ignored rather than refused.
        check_filters(self, kwargs, also=_PAGINATION + _word_search.accepted(self, kwargs))
        if "q" in kwargs:
            words = plan_word_search(self, None, None, kwargs, ignored=_PAGINATION)
            counted = None if words is None else words.count()
            if counted is not None:
                return counted
        return _word_search.filter_by_words(self, self._filter(self._query(), **kwargs), kwargs).count()

    def search(self, offset: int | None = None, limit: int | None = None, **kwargs: Any) -> SearchResult[M]:
        """
        The matching models, streamed in batches as they are iterated.

        2.0 returned a list; the `SearchResult` still answers `len()`, indexing, slicing,
        truthiness and `==` like one (loading the rows once), while iterating it streams.

        """
        words = plan_word_search(self, offset, limit, kwargs) if "q" in kwargs else None
        if words is None:
            check_filters(self, kwargs, also=_word_search.accepted(self, kwargs))
        session = self.session if words is None else words.session
        batch_size = session.info.get("search_batch_size", DEFAULT_SEARCH_BATCH_SIZE)
        if words is None:
            return SearchResult(self._words_query(offset, limit, kwargs), batch_size)
        # Building the query is most of a small search's cost: the result builds it (from the
        # store as it is then) only if a count, a window or a fallback asks for it. A search whose
        # limit fits in one batch is fetched in one go (SQLite reads a negative limit as none).
        return SearchResult.deferred(
            lambda: self._search_from(session.query(self.model_class), offset, limit, kwargs),
            session,
            batch_size,
            words,
            limit is not None and 0 <= limit <= batch_size,
        )

    def first(self, offset: int | None = None, limit: int | None = None, **kwargs: Any) -> M | None:
        """The first matching model in the store's order, or None."""
        if "q" in kwargs and (limit is None or type(limit) is int):
            # Query.first() replaces the search's limit with 1: the best match, for autocomplete.
            words = plan_word_search(self, offset, 1, kwargs)
            prepared = None if words is None else words.prepare()
            if prepared is not None:
                try:
                    found = prepared.first()
                except sqlite3.Error:
                    pass  # the query below raises the library's translated error
                else:
                    return found  # type: ignore[no-any-return]
        check_filters(self, kwargs, also=_word_search.accepted(self, kwargs))
        return self._words_query(offset, limit, kwargs).first()

    def one(self, offset: int | None = None, limit: int | None = None, **kwargs: Any) -> M:
        """
        The one matching model: `ModelNotFoundError` when none, `MultipleModelsFoundError` when more.

        A lone filter on the primary key or another unique column, on a store whose hooks cannot
        change which row that finds (the library's own, or an `_order_by` that only orders: see
        `microcosm_sqlite._hooks`), skips the hooks and the ORM query pipeline: an identity-map
        hit or one prepared SELECT, with the same result. Other calls run the hooks' query.

        """
        check_filters(self, kwargs, also=_word_search.accepted(self, kwargs))
        if offset is None and limit is None and lookup_safe(self) and not _word_search.given(kwargs):
            found = self._find_unique(kwargs)
            if found is NOT_FOUND:
                raise self._not_found(kwargs)
            if found is not None:
                return found
        query = self._words_query(offset, limit, kwargs)
        found = one_of(query)
        if found is None:
            # Query.one() stops reading after a second row, however many rows match.
            try:
                return query.one()
            except NoResultFound:
                found = NONE
            except MultipleResultsFound:
                found = SEVERAL
        if found is NONE:
            raise self._not_found(kwargs) from None
        if found is SEVERAL:
            raise MultipleModelsFoundError(
                f"more than one {self._model_name} matched {self._describe(kwargs)}"
            ) from None
        return found  # type: ignore[no-any-return]

    def _words_query(self, offset: int | None, limit: int | None, kwargs: dict[str, Any]) -> Query[Any]:
        query = self._search_query(offset, limit, **kwargs)
        _word_search.check_applied(self, query, kwargs)
        return query

    def _search_query(self, offset: int | None, limit: int | None, **kwargs: Any) -> Query[Any]:
        return self._search_from(self._query(), offset, limit, kwargs)

    def _search_from(
        self, query: Query[Any], offset: int | None, limit: int | None, kwargs: dict[str, Any]
    ) -> Query[Any]:
        query = self._filter(query, **kwargs)
        # Words (q=, match=) restrict the rows, then rank them when the store sets no order.
        query = _word_search.filter_by_words(self, query, kwargs)
        query = self._order_by(query, **kwargs)
        query = _word_search.rank_by_words(self, query)
        return self._paginate(query, offset, limit)

    def _query(self) -> Query[Any]:
        return self.session.query(self.model_class)

    def _filter(self, query: Query[Any], **kwargs: Any) -> Query[Any]:
        return self._auto_filter(query, **kwargs)

    def _auto_filter(self, query: Query[Any], **kwargs: Any) -> Query[Any]:
        for column, value in self._auto_filters(kwargs):
            if isinstance(value, str) and "\x00" in value and _on_server(self.session):
                # PostgreSQL text cannot hold NUL, so nothing stored equals this value; the server
                # would refuse the parameter itself rather than match nothing, as SQLite does.
                query = query.filter(false())
            else:
                query = query.filter(column == value)
        return query

    def _auto_filters(self, kwargs: dict[str, Any]) -> list[tuple[Any, Any]]:
        """The (column, value) pairs `_auto_filter` applies for these keyword arguments."""
        filters = []
        for field in self.auto_filter_fields or ():
            name = field if isinstance(field, str) else field.key
            value = kwargs.get(name)
            if value is not None:
                column = getattr(self.model_class, field) if isinstance(field, str) else field
                filters.append((column, value))
        return filters

    def _find_unique(self, kwargs: dict[str, Any]) -> Any:
        """The fast path of `one()` for a lone unique-column filter (see `microcosm_sqlite._lookups`)."""
        if len(kwargs) == 1:
            ((name, value),) = kwargs.items()
            column = _filter_columns(self).get(name)
            if column is None or value is None:
                return None
        else:
            filters = self._auto_filters(kwargs)
            if len(filters) != 1:
                return None
            # Other keywords may only be auto filters left out for being None: a hook's keyword,
            # even one that only orders, is its to read (and to refuse), so the hooks must run.
            names = auto_filter_names(self.auto_filter_fields)
            if sum(value is not None or name not in names for name, value in kwargs.items()) != 1:
                return None
            ((column, value),) = filters
        session = self.session
        if _on_server(session):
            return self._find_on_server(session, column, value)
        return find_unique(session, self.model_class, column, value)

    def _find_on_server(self, session: Session, column: Any, value: Any) -> Any:
        """
        `one()` of a lone unique filter on a server dataset: the query the default hooks build, as a
        2.0 `select` rather than a legacy `Query` (about 30% less time per lookup, the same SQL, the
        same loading and events). None (take the ordinary path) when more than one row matches.

        """
        if isinstance(value, str) and "\x00" in value:
            return NOT_FOUND  # PostgreSQL text cannot hold NUL: nothing stored equals it
        try:
            found = session.scalars(select(self.model_class).where(column == value)).one_or_none()
        except MultipleResultsFound:
            return None
        return NOT_FOUND if found is None else found

    def _order_by(self, query: Query[Any], **kwargs: Any) -> Query[Any]:
        return query

    def _paginate(self, query: Query[Any], offset: int | None, limit: int | None) -> Query[Any]:
        if offset is not None:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return query

    @property
    def _model_name(self) -> str:
        return getattr(self.model_class, "__name__", str(self.model_class))

    def _describe(self, kwargs: dict[str, Any]) -> str:
        filters = {key: value for key, value in kwargs.items() if value is not None}
        return ", ".join(f"{key}={value!r}" for key, value in filters.items()) or "no filters"

    def _not_found(self, kwargs: dict[str, Any]) -> ModelNotFoundError:
        return ModelNotFoundError(f"no {self._model_name} matched {self._describe(kwargs)}")

    def _integrity_error(self, error: IntegrityError) -> ModelIntegrityError:
        code = getattr(error.orig, "sqlite_errorcode", None)
        message = f"{self._model_name}: {error.orig}"
        unique = getattr(error.orig, "sqlstate", None) == _UNIQUE_VIOLATION_STATE
        if unique or code in _UNIQUE_VIOLATIONS or "UNIQUE constraint" in str(error.orig):
            return DuplicateModelError(message)
        return ModelIntegrityError(message)
