"""
Creating SQLAlchemy engines for SQLite files, and for datasets on a PostgreSQL server.

Plain functions with no graph: the bind factory reads configuration and calls `create_engine_for`
(or `create_server_engine` for a location that is a server URL).

"""

import re
import sqlite3
import time
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import quote
from weakref import WeakSet

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool, Pool, QueuePool

from microcosm_sqlite._locations import ServerLocation
from microcosm_sqlite.constants import DEFAULT_BUSY_TIMEOUT, MEMORY_PATH
from microcosm_sqlite.errors import (
    ConfigurationError,
    DataSetError,
    DriverNotInstalledError,
    ServerAuthenticationError,
    ServerError,
    ServerUnreachableError,
)

# A session keeps its connection until it commits, rolls back or closes, and GetOrCreateSession
# keeps one session per thread for good: with QueuePool's default bound (5 + 10 overflow) the
# 16th thread would wait `pool_timeout` (30 s) and fail. No server limits SQLite connections, so
# the overflow is unbounded; connections beyond the pool's 5 are closed when returned.
UNBOUNDED_OVERFLOW = -1

#: Journal modes a writable dataset may be kept in: `delete` keeps it one file (as artifacts are
#: shipped); `wal` lets readers run while a writer commits (https://www.sqlite.org/wal.html).
JOURNAL_MODES = ("delete", "wal")
#: Engines whose dataset was disposed or pointed at another file (see `retire`).
_retired: "WeakSet[Engine]" = WeakSet()


@dataclass(frozen=True)
class EngineOptions:
    """How to open one dataset's file."""

    read_only: bool = False
    immutable: bool = True
    echo: bool = False
    use_foreign_keys: bool = True
    autocommit: bool = False
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    journal_mode: str = "delete"
    #: Config `poolclass` (1.0 line): a pool class, or its name in sqlalchemy.pool or as
    #: "module:Class"; None lets the library choose.
    poolclass: Any = None

    def __post_init__(self) -> None:
        # Environment variables arrive as typed ("WAL"); SQLite's pragma is case-insensitive too.
        mode = str(self.journal_mode).strip().lower()
        if mode not in JOURNAL_MODES:
            raise ConfigurationError(
                f"config sqlite.journal_mode is {self.journal_mode!r}: use 'delete' (the default: one file, "
                "a rollback journal) or 'wal' (for a dataset maintained in place: readers never block the writer)"
            )
        object.__setattr__(self, "journal_mode", mode)


class FileURL(URL):
    """
    An engine URL that prints as microcosm-sqlite 2.0 printed it: `sqlite:///` and the path as
    configured (`sqlite:///:memory:`), where SQLAlchemy 2.1 would escape it (`%3Amemory%3A`).

    """

    def render_as_string(self, hide_password: bool = True) -> str:
        if self.database is None or self.query or self.host or self.username:
            return super().render_as_string(hide_password)
        return f"{self.drivername}:///{self.database}"


def pool_class(setting: Any, data_set: str) -> type[Pool] | None:
    """The pool class config `poolclass` names, or None for the library's choice."""
    if setting is None or setting == "":
        return None
    found = setting
    if isinstance(setting, str):
        module, _, name = setting.rpartition(":")
        try:
            found = getattr(import_module(module or "sqlalchemy.pool"), name)
        except (ImportError, AttributeError, ValueError):
            found = None
    if isinstance(found, type) and issubclass(found, Pool):
        return found
    raise DataSetError(
        f"config sqlite.poolclass {setting!r} is not a SQLAlchemy pool class",
        data_set=data_set,
        hint="name a class of sqlalchemy.pool (NullPool, StaticPool, QueuePool) or 'module:Class', or leave it unset",
    )


def read_only_uri(path: str | Path, immutable: bool) -> str:
    """
    The SQLite URI that opens `path` without ever creating or writing it.

    `mode=ro` makes SQLite open the file O_RDONLY; `immutable=1` on its own would still open it
    read-write and create it (https://www.sqlite.org/uri.html). `immutable=1` also drops file
    locking, which is safe because artifacts are only ever replaced by atomic rename.

    """
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    if immutable:
        uri += "&immutable=1"
    return uri


#: The start of SQLite's error for an ATTACH (or VACUUM INTO, which attaches its target) beyond
#: SQLITE_LIMIT_ATTACHED, which read-only connections set to 0.
ATTACH_REFUSED = "too many attached databases"


def connect_read_only(path: str | Path, immutable: bool, **kwargs: Any) -> sqlite3.Connection:
    """
    Open `path` read-only (`read_only_uri`), unable to attach any other database file.

    SQLite opens an attached file with the connection's own flags, read-write and create, whatever
    `mode=ro` says for the main file: `ATTACH '/any/path.db'` would create that file, and a
    `VACUUM INTO` refused by `query_only` still leaves an empty one. With no attachment allowed,
    SQLite refuses both before opening anything (https://www.sqlite.org/limits.html#max_attached).

    """
    connection = sqlite3.connect(read_only_uri(path, immutable), uri=True, **kwargs)
    connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    return connection


def create_engine_for(path: str, options: EngineOptions, data_set: str | None = None) -> Engine:
    """Create an engine for one dataset file (or an in-memory database)."""
    poolclass = pool_class(options.poolclass, data_set or path)
    if options.read_only:
        engine = _create_read_only_engine(path, options, poolclass)
    else:
        engine = _create_writable_engine(path, options, poolclass)
    _install_pragmas(engine, options)
    if not options.read_only and path != MEMORY_PATH:
        _install_journal_mode(engine, path, options.journal_mode, options.busy_timeout)
    _close_returned_connections_once_retired(engine)
    return engine


def create_server_engine(location: ServerLocation, options: EngineOptions, data_set: str) -> Engine:
    """
    Create an engine for a dataset published on a PostgreSQL server (psycopg 3).

    The pool is SQLAlchemy's default for a server, a bounded `QueuePool` (unless config
    `poolclass` names another), with `pool_pre_ping`: a connection the server or a proxy closed
    while it sat in the pool (a restart, a failover, an idle timeout) is replaced before it is used,
    rather than failing the query ("Dealing with Disconnects" in SQLAlchemy's pooling docs). Every
    statement reads the dataset's schema: tables declared without one are translated to it
    (`schema_translate_map`), so the same models serve many datasets of one database; raw SQL
    finds the tables by their bare names too (`search_path` is the dataset's schema), as on SQLite.

    With `read_only`, each new connection also sets `default_transaction_read_only`, so every
    transaction it runs is read-only on the server itself.

    """
    try:
        import psycopg  # noqa: F401 (SQLAlchemy imports it too, later, with a less helpful error)
    except ImportError:
        raise DriverNotInstalledError(
            "the dataset is on a PostgreSQL server, and psycopg 3, which reads it, is not installed",
            data_set=data_set,
            path=location.display,
            hint="pip install 'microcosm-sqlite[postgres]'",
        ) from None
    kwargs: dict[str, Any] = {
        "echo": options.echo,
        "pool_pre_ping": True,
        "execution_options": {"schema_translate_map": {None: location.schema}},
    }
    poolclass = pool_class(options.poolclass, data_set)
    if poolclass is not None:
        kwargs["poolclass"] = poolclass
    if options.autocommit:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(location.url, **kwargs)

    @event.listens_for(engine, "connect")
    def set_up_connection(dbapi_connection: Any, record: Any) -> None:
        from psycopg import sql

        settings: list[sql.Composable] = [
            sql.SQL("SET SESSION search_path TO {}").format(sql.Identifier(location.schema))
        ]
        if options.read_only:
            settings.append(sql.SQL("SET SESSION default_transaction_read_only = on"))
        # Outside any transaction, so the settings hold for the connection's whole life (psycopg
        # would otherwise open one for these statements, and a rollback would undo them).
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            for setting in settings:
                dbapi_connection.execute(setting)
        finally:
            dbapi_connection.autocommit = autocommit

    _translate_connection_errors(engine, location, data_set)
    _close_returned_connections_once_retired(engine)
    return engine


#: What libpq and the server say when they refuse the user or the password (their messages carry no
#: SQLSTATE for a failed connection attempt).
_AUTHENTICATION_REFUSED = re.compile(
    r"password|authentication failed|role \S+ does not exist|pg_hba\.conf|permission denied for database"
)
_DATABASE_MISSING = re.compile(r"database \S+ does not exist")


def _translate_connection_errors(engine: Engine, location: ServerLocation, data_set: str) -> None:
    """
    Turn a failed connection (at first use, or when the pool opens one later) into an error that
    names the dataset and the URL, password masked, and says what to do.

    SQLAlchemy keeps the driver's error as the cause; its message names no password (libpq's
    never does), and its connection object, which holds one, is never printed.

    """

    @event.listens_for(engine, "handle_error")
    def translate(context: Any) -> None:
        error = context.original_exception
        if type(error).__name__ != "OperationalError" or not type(error).__module__.startswith("psycopg"):
            return
        if context.connection is not None and not context.is_disconnect:
            return
        reason = location.mask(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        problem: type[ServerError]
        if _AUTHENTICATION_REFUSED.search(reason):
            problem, hint = ServerAuthenticationError, "check the user and password in the dataset's URL"
        elif _DATABASE_MISSING.search(reason):
            problem, hint = ServerError, "check the database name in the dataset's URL"
        else:
            problem = ServerUnreachableError
            hint = "check the host, port (or socket folder) in the dataset's URL, and that the server is up"
        raise problem(f"cannot connect to the server ({reason})", data_set=data_set, path=location.display, hint=hint)


def retire(engine: Engine) -> None:
    """
    Close an engine's connections as soon as no one uses them: its dataset now reads another bind.

    Other threads may be reading through this engine right now, in the middle of a `fetchmany()`.
    Closing a pysqlite connection under a cursor another thread is stepping is not an error but a
    crash (a segfault in `fetchmany`), and closing their sessions from here breaks SQLAlchemy's
    state machine (`IllegalStateChangeError`). So only what is idle is closed now
    (`Engine.dispose()` closes checked-in connections and never touches checked-out ones), and
    every connection checked out at this moment, or later by a session that still holds this
    engine, is closed when it is returned instead of going back to the pool. The engine is then
    left with no open file, and is freed with the last session that refers to it.

    Pools configured by `poolclass` that hand one connection to several users (StaticPool) or
    keep one per thread (SingletonThreadPool) close connections in use when disposed: such a pool
    is dropped without closing anything, and its connections are closed when it is garbage.

    """
    _retired.add(engine)
    engine.dispose(close=_closes_only_idle_connections(engine.pool))


def _closes_only_idle_connections(pool: Pool) -> bool:
    return isinstance(pool, (QueuePool, NullPool))


def _pool_options(poolclass: type[Pool]) -> dict[str, Any]:
    options: dict[str, Any] = {"poolclass": poolclass}
    if issubclass(poolclass, QueuePool):
        options["max_overflow"] = UNBOUNDED_OVERFLOW
    return options


def _create_read_only_engine(path: str, options: EngineOptions, poolclass: type[Pool] | None) -> Engine:
    timeout = options.busy_timeout

    # A creator is used rather than a `sqlite:///file:...?uri=true` URL so that any path (spaces,
    # '?', '#', '%') survives and every connection gets its limits; the URL only names the file, as
    # users print it. The pool class is named, because SQLAlchemy would pick the in-memory
    # SingletonThreadPool for a path it mistakes for `:memory:`.
    def connect() -> sqlite3.Connection:
        return connect_read_only(path, options.immutable, timeout=timeout, check_same_thread=False)

    return create_engine(
        FileURL.create("sqlite", database=str(path)),
        creator=connect,
        echo=options.echo,
        **_pool_options(poolclass or QueuePool),
    )


def _create_writable_engine(path: str, options: EngineOptions, poolclass: type[Pool] | None) -> Engine:
    kwargs: dict[str, Any] = {"echo": options.echo}
    if path != MEMORY_PATH:
        kwargs["connect_args"] = {"timeout": options.busy_timeout}
        kwargs.update(_pool_options(poolclass or QueuePool))
    elif poolclass is not None:
        kwargs.update(_pool_options(poolclass))
    if options.autocommit:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(FileURL.create("sqlite", database=str(path)), **kwargs)
    if not options.autocommit:
        _use_explicit_transactions(engine)
    return engine


def _use_explicit_transactions(engine: Engine) -> None:
    """
    Let SQLAlchemy, not pysqlite, decide where transactions begin.

    pysqlite only emits BEGIN before DML, so DDL and `PRAGMA defer_foreign_keys` would run outside
    the transaction they belong to. This is the recipe from SQLAlchemy's pysqlite dialect docs
    ("Serializable isolation / Savepoints / Transactional DDL").

    """

    @event.listens_for(engine, "connect")
    def disable_pysqlite_transactions(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "checkin")
    def end_failed_transaction(dbapi_connection: sqlite3.Connection | None, record: Any) -> None:
        # A COMMIT refused for a deferred foreign key leaves SQLite's transaction open, while
        # SQLAlchemy counts it as ended and skips the pool's reset: the next BEGIN on this
        # connection would fail with "cannot start a transaction within a transaction".
        if dbapi_connection is not None and dbapi_connection.in_transaction:
            dbapi_connection.rollback()


def _close_returned_connections_once_retired(engine: Engine) -> None:
    # Registered at creation, never at retirement: adding a listener while other threads run the
    # engine's listeners would mutate the collection they iterate. Pool events follow the engine
    # to the pool `dispose()` creates.
    @event.listens_for(engine, "checkin")
    def close_once_retired(dbapi_connection: sqlite3.Connection | None, record: Any) -> None:
        if engine in _retired and _closes_only_idle_connections(engine.pool):
            # The pool keeps the emptied entry and would open a new connection if asked again.
            # (A StaticPool's one connection may be in use by another thread even now.)
            record.close()


def _install_pragmas(engine: Engine, options: EngineOptions) -> None:
    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if options.use_foreign_keys:
                cursor.execute("PRAGMA foreign_keys = ON")
            if options.read_only:
                # Belt and braces: mode=ro already refuses writes at the file level.
                cursor.execute("PRAGMA query_only = ON")
            else:
                cursor.execute(f"PRAGMA busy_timeout = {int(options.busy_timeout * 1000)}")
        finally:
            cursor.close()


def _install_journal_mode(engine: Engine, path: str, journal_mode: str, timeout: float) -> None:
    """
    Put every connection in the configured journal mode; a read-only engine never gets here.

    Read-only artifacts stay single files: `check_artifact_file` refuses WAL ones, because
    `immutable=1` would ignore rows in a -wal file. The mode is persistent in the file, so it is
    asked first and set only when it differs: switching a file out of WAL needs every other
    connection closed, and would otherwise wait on them on every connect.

    """

    @event.listens_for(engine, "connect")
    def set_journal_mode(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        try:
            _switch_journal_mode(dbapi_connection, path, journal_mode, timeout)
        except ConfigurationError:
            # Closed here because older SQLAlchemy releases (2.0.4) leave a connection whose
            # connect event raised open, and it would go on holding the file in its old mode.
            dbapi_connection.close()
            raise
        if journal_mode == "wal":
            # NORMAL is durable against application crashes under WAL and only a power loss can
            # undo the last commits (https://www.sqlite.org/pragma.html#pragma_synchronous).
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")


def _switch_journal_mode(connection: sqlite3.Connection, path: str, journal_mode: str, timeout: float) -> None:
    """
    Give the file the configured journal mode, unless it has it already.

    A switch needs the file to itself: while another connection holds it (another process of the
    same service starting at the same moment, about to make the same switch), SQLite refuses or
    answers with the old mode, so the switch is retried for as long as the busy timeout allows.

    """
    deadline = time.monotonic() + timeout
    while True:
        (current,) = connection.execute("PRAGMA journal_mode").fetchone()
        if current == journal_mode:
            return
        refusal = None
        try:
            (current,) = connection.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone()
        except sqlite3.OperationalError as error:
            refusal = str(error)
        if current == journal_mode or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    if current == journal_mode:
        return
    if refusal is not None:
        raise ConfigurationError(
            f"config sqlite.journal_mode is {journal_mode!r}, but {path} cannot leave "
            f"{current!r} mode ({refusal}): other connections hold it open; give every process "
            "that writes it the same sqlite.journal_mode"
        )
    raise ConfigurationError(
        f"config sqlite.journal_mode is {journal_mode!r}, but SQLite keeps {path} in "
        f"{current!r} mode: other connections hold it open, or its file system does not support it"
    )
