"""
The `sqlite` component of a microcosm object graph.

It maps dataset names to locations (SQLite files, or PostgreSQL URLs) and creates, once per name,
the engine and session factory that read them. Importing this module is cheap: microcosm imports
every registered factory whenever it creates a graph.

"""

import threading
from collections.abc import Iterable, Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any, NamedTuple
from weakref import WeakSet

from microcosm.api import defaults, typed
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from microcosm_sqlite import _fork
from microcosm_sqlite._engines import EngineOptions, create_engine_for, create_server_engine, retire
from microcosm_sqlite._hints import in_graph, set_path
from microcosm_sqlite._locations import ServerLocation, is_url, server_location
from microcosm_sqlite._names import ByDataSet, data_set_key
from microcosm_sqlite._readonly import SERVER_HINT, guard_engine, guard_server_engine, guard_sessions
from microcosm_sqlite.artifacts.checks import check_artifact_file, check_integrity, check_schema
from microcosm_sqlite.artifacts.digest import FileIdentity, check_digest_of_file_at, check_digest_of_replacements
from microcosm_sqlite.artifacts.freshness import check_not_stale
from microcosm_sqlite.artifacts.published import check_published
from microcosm_sqlite.constants import DEFAULT_BUSY_TIMEOUT, DEFAULT_SEARCH_BATCH_SIZE, MEMORY_PATH
from microcosm_sqlite.errors import DataSetNotConfiguredError, ReadOnlyDataSetError
from microcosm_sqlite.results import is_streaming

__all__ = ["PATHS_ENTRY_POINT_GROUP", "SQLiteBindFactory"]

PATHS_ENTRY_POINT_GROUP = "microcosm.sqlite"


class _DataSetSession(Session):
    """A session its bind factory can find again, to close it when the dataset is disposed."""

    def __init__(self, *args: Any, open_sessions: "WeakSet[_DataSetSession]", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Sessions are used by one thread at a time, and a forked child must not touch its
        # parent's: only the thread (and process) that opened a session may close it for others.
        self.owner = _current_owner()
        open_sessions.add(self)


def _current_owner() -> tuple[int, int]:
    return threading.get_ident(), _fork.generation()


class Bind(NamedTuple):
    """What `graph.sqlite(name)` returns: the dataset's engine and its session factory."""

    engine: Engine
    sessionmaker: sessionmaker[_DataSetSession]


def _load_entry_point_paths(graph: Any, overridden: Iterable[str] = ()) -> dict[str, str]:
    """
    Paths declared by installed packages: entry points named after datasets, `f(graph) -> path`.

    Entry points of `overridden` datasets are not loaded at all: config has the last word.

    """
    skipped = {data_set_key(name) for name in overridden}
    paths = {}
    for entry_point in entry_points(group=PATHS_ENTRY_POINT_GROUP):
        if data_set_key(entry_point.name) in skipped:
            continue
        try:
            paths[entry_point.name] = str(entry_point.load()(graph))
        except Exception as error:
            # One broken package must not fail every graph with a bare exception from its code.
            raise DataSetNotConfiguredError(
                f"the '{PATHS_ENTRY_POINT_GROUP}' entry point {entry_point.name} = {entry_point.value} "
                f"failed: {type(error).__name__}: {error}",
                data_set=entry_point.name,
                hint=f"fix or uninstall the package that declares it, or {set_path(entry_point.name, graph.metadata.name)} instead",
            ) from error
    return paths


@defaults(
    path=typed(str, default_value=MEMORY_PATH),
    paths=dict(),
    echo=typed(bool, default_value=False),
    use_foreign_keys=typed(bool, default_value=True),
    autocommit=typed(bool, default_value=False),
    read_only=typed(bool, default_value=False),
    immutable=typed(bool, default_value=True),
    busy_timeout=typed(float, default_value=DEFAULT_BUSY_TIMEOUT),
    journal_mode=typed(str, default_value="delete"),
    search_batch_size=typed(int, default_value=DEFAULT_SEARCH_BATCH_SIZE),
    check_integrity=typed(bool, default_value=False),
    check_digest=typed(bool, default_value=True),
    refuse_stale=typed(bool, default_value=True),
    poolclass=None,
)
class SQLiteBindFactory:
    """
    Binds dataset names to SQLite files.

    `graph.sqlite(name)` returns `(engine, sessionmaker)` for a dataset, created on first use and
    cached in `datasets`. With `read_only`, first use also checks that the file exists and is a
    whole SQLite artifact, byte for byte as built when it carries a digest (`check_digest`);
    `DataSet` classes then check that it matches their models.

    Dataset names are matched case-insensitively everywhere (paths, binds, checks, sessions):
    environment variables reach config lower-cased, while dataset names are class names.

    """

    def __init__(self, graph: Any) -> None:
        config = graph.config.sqlite
        #: Environment variables that configure this graph start with it (in hints).
        self.graph_name: str = graph.metadata.name
        self.default_path: str = config.path
        self.read_only: bool = config.read_only
        self.search_batch_size: int = config.search_batch_size
        self.check_integrity: bool = config.check_integrity
        self.check_digest: bool = config.check_digest
        self.refuse_stale: bool = config.refuse_stale
        self.options = EngineOptions(
            read_only=config.read_only,
            immutable=config.immutable,
            echo=config.echo,
            use_foreign_keys=config.use_foreign_keys,
            autocommit=config.autocommit,
            busy_timeout=config.busy_timeout,
            journal_mode=config.journal_mode,
            poolclass=config.poolclass,
        )
        # Config wins over entry points, so a deployment can point a dataset at another file.
        configured = {name: str(path) for name, path in (config.paths or {}).items()}
        self._paths: ByDataSet[str] = ByDataSet(_load_entry_point_paths(graph, overridden=configured))
        self._paths.update(configured)
        self.datasets: ByDataSet[Bind] = ByDataSet()
        self._checked_schemas: set[tuple[str, int]] = set()
        self._sessions: ByDataSet[WeakSet[_DataSetSession]] = ByDataSet()
        self._disposals: ByDataSet[int] = ByDataSet()
        # The declarative bases that opened this graph's datasets (by identity), so that
        # `dispose_sqlite_connections` disposes through each base's own `dispose`, which a dataset
        # may override.
        self.opened_bases: dict[int, Any] = {}
        self._lock = _fork.ForkSafeLock()

    @property
    def paths(self) -> Mapping[str, str]:
        """Every configured dataset path: entry points merged under config `paths`."""
        return dict(self._paths)

    def __getitem__(self, name: str) -> str:
        return self._paths[name]

    def __setitem__(self, name: str, path: str) -> None:
        with self._lock:
            self._paths[name] = str(path)
            # A new path must take effect: retire the bind (and checks) made for the old one.
            self.dispose(name)

    def __contains__(self, name: object) -> bool:
        return name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def path_for(self, name: str) -> str:
        """The file a dataset reads; read-only datasets must have one configured."""
        if name in self:
            return self[name]
        if self.read_only and self.default_path == MEMORY_PATH:
            raise DataSetNotConfiguredError(
                "no path is configured and a read-only dataset cannot be an empty in-memory database",
                data_set=name,
                hint=f"{set_path(name, self.graph_name)}, or declare a '{PATHS_ENTRY_POINT_GROUP}' entry point named {name!r}",
            )
        return self.default_path

    def server_location_for(self, name: str) -> ServerLocation | None:
        """Where a dataset published on a server lives (URL and schema), or None for a file."""
        location = self.path_for(name)
        return server_location(location, name) if is_url(location) else None

    def shown_location(self, name: str) -> str:
        """The dataset's path, or its URL with the password masked: what errors show."""
        server = self.server_location_for(name)
        return self.path_for(name) if server is None else server.display

    def __call__(self, name: str) -> Bind:
        """The `(engine, sessionmaker)` of a dataset, created and checked on first use."""
        bind = self.datasets.get(name)
        if bind is not None:
            return bind
        with self._lock:
            bind = self.datasets.get(name)
            if bind is None:
                bind = self.datasets[name] = self._create_bind(name)
            return bind

    def check_models(self, name: str, metadata: Any) -> None:
        """
        Check once that a read-only dataset's file was built from these models (when it says so)
        and has every table and column they declare.

        """
        if not self.read_only:
            return
        key = (data_set_key(name), id(metadata))
        if key in self._checked_schemas:
            return
        with self._lock:
            if key not in self._checked_schemas:
                path, engine = self.path_for(name), self(name).engine
                server = self.server_location_for(name)
                if server is not None:
                    check_published(name, server.display, server.schema, engine, metadata, self.refuse_stale)
                else:
                    if self.refuse_stale:
                        check_not_stale(name, path, engine, metadata)
                    check_schema(name, path, engine, metadata)
                self._checked_schemas.add(key)

    def refuse_if_read_only(self, name: str, what: str) -> None:
        if self.read_only:
            raise ReadOnlyDataSetError(
                f"cannot {what}: the dataset is read-only",
                data_set=name,
                path=self.shown_location(name),
                hint="schema changes belong in the offline build, not in a service",
            )

    def dispose(self, name: str) -> None:
        """
        Retire a dataset's bind: the next use opens (and checks) its file again.

        Threads reading through the old bind are never disturbed: their queries finish on the old
        file, and its connections are closed as they are returned (`engines.retire`). Sessions
        opened by the calling thread are closed now, except one a search is still streaming from
        (another asyncio task, or a generator, of this thread is iterating it: closing would
        break that search); other threads' sessions are theirs to close (`GetOrCreateSession`
        replaces them on their next use), since closing a session another thread is using
        crashes it.

        """
        key = data_set_key(name)
        with self._lock:
            bind = self.datasets.pop(name, None)
            self._disposals[name] = self._disposals.get(name, 0) + 1
            self._checked_schemas = {checked for checked in self._checked_schemas if checked[0] != key}
            sessions = list(self._sessions.pop(name, ()))
        owner = _current_owner()
        for session in sessions:
            if session.owner == owner and not is_streaming(session):
                session.close()
        if bind is not None:
            retire(bind.engine)

    def disposals(self, name: str) -> int:
        """How many times the dataset was disposed or repointed (a context opened before is stale)."""
        return int(self._disposals.get(name, 0))

    def dispose_all(self) -> None:
        for name in list(self.datasets):
            self.dispose(name)

    def _create_bind(self, name: str) -> Bind:
        server = self.server_location_for(name)
        if server is not None:
            return self._create_server_bind(name, server)
        path = self.path_for(name)
        checked: FileIdentity | None = None
        if self.read_only:
            with in_graph(self.graph_name):
                check_artifact_file(name, path)
            if self.check_digest:
                # Before the engine exists, so no query can be served from a damaged file.
                checked = check_digest_of_file_at(name, path)
        engine = _fork.track(create_engine_for(path, self.options, data_set=name))
        if checked is not None:
            check_digest_of_replacements(engine, name, path, checked)
        factory = sessionmaker(
            bind=engine,
            class_=_DataSetSession,
            open_sessions=self._sessions.setdefault(name, WeakSet()),
            info={"data_set": name, "path": path, "search_batch_size": self.search_batch_size},
        )
        if self.read_only:
            guard_engine(engine, name, path)
            guard_sessions(factory, name, path)
            if self.check_integrity:
                check_integrity(name, path, engine)
        return Bind(engine, factory)

    def _create_server_bind(self, name: str, server: ServerLocation) -> Bind:
        # A forked child drops the inherited pool as for files: a PostgreSQL connection shared by
        # two processes interleaves their protocol messages ("Using Connection Pools with
        # Multiprocessing or os.fork()" in SQLAlchemy's pooling docs).
        engine = _fork.track(create_server_engine(server, self.options, name))
        factory = sessionmaker(
            bind=engine,
            class_=_DataSetSession,
            open_sessions=self._sessions.setdefault(name, WeakSet()),
            info={"data_set": name, "path": server.display, "search_batch_size": self.search_batch_size},
        )
        if self.read_only:
            guard_server_engine(engine, name, server.display)
            guard_sessions(factory, name, server.display, SERVER_HINT)
        return Bind(engine, factory)
