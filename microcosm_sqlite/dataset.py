"""
Datasets: declarative bases whose class name selects the SQLite file their models live in.

"""
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import Session, declarative_base

from microcosm_sqlite.constants import naming_convention
from microcosm_sqlite.context import SessionContext
from microcosm_sqlite.factories import Bind


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
        bind: Bind = graph.sqlite(base.__name__)
        graph.sqlite.check_models(base.__name__, base.metadata)
        return bind

    @classmethod
    def create_all(cls, graph: Any) -> None:
        base = cls.resolve()
        graph.sqlite.refuse_if_read_only(base.__name__, "create tables")
        base.metadata.create_all(graph.sqlite(base.__name__).engine)

    @classmethod
    def drop_all(cls, graph: Any) -> None:
        base = cls.resolve()
        graph.sqlite.refuse_if_read_only(base.__name__, "drop tables")
        base.metadata.drop_all(graph.sqlite(base.__name__).engine)

    @classmethod
    def recreate_all(cls, graph: Any) -> None:
        cls.drop_all(graph)
        cls.create_all(graph)

    @classmethod
    def new_session(cls, graph: Any, **kwargs: Any) -> Session:
        return cls._data_set_bind(graph).sessionmaker(**kwargs)

    @classmethod
    def new_context(cls, graph: Any, **kwargs: Any) -> SessionContext:
        return SessionContext(graph, cls.resolve(), **kwargs)

    @classmethod
    def dispose(cls, graph: Any) -> None:
        """Close the dataset's connections as they go unused (the next use opens the file again)."""
        graph.sqlite.dispose(cls.resolve().__name__)


def dispose_sqlite_connections(graph: Any) -> None:
    """Dispose every dataset of the graph (see `DataSet.dispose`): other threads are not disturbed."""
    graph.sqlite.dispose_all()
