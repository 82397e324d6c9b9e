"""
Datasets: declarative bases whose class name selects the SQLite file their models live in.

"""

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import Session, declarative_base

# Imported for its mapper listener, which must be in place before any model is mapped: it reads
# each model's `__search__` as SQLAlchemy maps the class.
from microcosm_sqlite import _fulltext  # noqa: F401
from microcosm_sqlite._names import data_set_key
from microcosm_sqlite.constants import naming_convention
from microcosm_sqlite.context import SessionContext, open_session
from microcosm_sqlite.factories import Bind

__all__ = ["DataSet", "dispose_sqlite_connections"]


class _OpenSession:
    """`Base.session`: the session of the `SessionContext` open for the dataset in this thread, or None."""

    def __get__(self, instance: Any, owner: type) -> Session | None:
        base = getattr(owner, "__data_set_base__", None)
        return None if base is None else open_session(base.__name__)


class DataSet:
    """
    Class methods shared by a dataset's declarative base and every model of it.

        Airports = DataSet.create("Airports")

        class Airport(Airports):
            __tablename__ = "airport"
            ...

        with Airport.new_context(graph):
            ...

    """

    __data_set_base__: Any
    session = _OpenSession()

    @classmethod
    def create(data_set_class, name: str, cls: type | None = None, **kwargs: Any) -> Any:
        """
        Create a declarative base named `name`; the name selects the dataset's file.

        `cls` adds a mixin of shared columns or methods to every model; `kwargs` go to
        SQLAlchemy's `declarative_base`.

        """
        if cls is None:
            mixin: type = data_set_class
        elif issubclass(cls, DataSet):
            mixin = cls
        else:
            mixin = type(f"{name}DataSet", (cls, data_set_class), {})
        kwargs.setdefault("metadata", MetaData(naming_convention=naming_convention))
        base = declarative_base(cls=mixin, name=name, **kwargs)
        base.__data_set_base__ = base
        return base

    @classmethod
    def resolve(cls) -> Any:
        """The declarative base of this model's dataset."""
        return cls.__data_set_base__

    @classmethod
    def _data_set_bind(cls, graph: Any) -> Bind:
        base = cls.resolve()
        graph.sqlite.opened_bases.setdefault(id(base), base)
        bind: Bind = graph.sqlite(base.__name__)
        graph.sqlite.check_models(base.__name__, base.metadata)
        return bind

    @classmethod
    def create_all(cls, graph: Any) -> None:
        """
        Create the dataset's tables (and indexes) in its file, skipping those that exist.

        On a read-only dataset, `ReadOnlyDataSetError` without touching the file (2.0 opened even
        a read-only dataset read-write, and wrote).

        """
        base = cls.resolve()
        graph.sqlite.refuse_if_read_only(base.__name__, "create tables")
        graph.sqlite.opened_bases.setdefault(id(base), base)
        base.metadata.create_all(graph.sqlite(base.__name__).engine)

    @classmethod
    def drop_all(cls, graph: Any) -> None:
        base = cls.resolve()
        graph.sqlite.refuse_if_read_only(base.__name__, "drop tables")
        graph.sqlite.opened_bases.setdefault(id(base), base)
        base.metadata.drop_all(graph.sqlite(base.__name__).engine)

    @classmethod
    def recreate_all(cls, graph: Any) -> None:
        cls.drop_all(graph)
        cls.create_all(graph)

    @classmethod
    def new_session(cls, graph: Any, **kwargs: Any) -> Session:
        """
        A new session on the dataset's file; `kwargs` go to the sessionmaker.

        The caller closes it. The first session of a read-only dataset checks the artifact (file,
        schema, staleness, digest) and raises its own error for each way it can be wrong.

        """
        return cls._data_set_bind(graph).sessionmaker(**kwargs)

    @classmethod
    def new_context(cls, graph: Any, **kwargs: Any) -> SessionContext:
        """
        A `SessionContext` for the dataset: `with Base.new_context(graph): ...` opens a session
        that stores find (`stores.get_session`) and closes it at the end of the block.

        `kwargs` are `SessionContext`'s (`expire_on_commit`, `defer_foreign_keys`). Stores see the
        open context in this thread only, and a forked child never reuses it.

        """
        return SessionContext(graph, cls.resolve(), **kwargs)

    @classmethod
    def dispose(cls, graph: Any) -> None:
        """Close the dataset's connections as they go unused (the next use opens the file again)."""
        graph.sqlite.dispose(cls.resolve().__name__)


def dispose_sqlite_connections(graph: Any) -> None:
    """
    Close every session and dispose every engine of the graph's datasets.

    Each dataset base the graph has opened is disposed through its own `dispose(graph)`, once,
    so a base that overrides it is honoured; datasets opened without a base (a builder on
    `graph.sqlite(name)`) are disposed directly. Other threads are not disturbed: what they are
    using is closed once they give it back (see `DataSet.dispose`).

    """
    bases = list(graph.sqlite.opened_bases.values())
    graph.sqlite.opened_bases.clear()
    for base in bases:
        base.dispose(graph)
    through_bases = {data_set_key(base.__name__) for base in bases}
    for name in list(graph.sqlite.datasets):
        if data_set_key(name) not in through_bases:
            graph.sqlite.dispose(name)
