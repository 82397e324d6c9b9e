"""
Creating SQLAlchemy engines for SQLite files.

Plain functions with no graph: the bind factory reads configuration and calls `create_engine_for`.

"""
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import QueuePool

from microcosm_sqlite.constants import DEFAULT_BUSY_TIMEOUT, MEMORY_PATH

# A session keeps its connection until it commits, rolls back or closes, and GetOrCreateSession
# keeps one session per thread for good: with QueuePool's default bound (5 + 10 overflow) the
# 16th thread would wait `pool_timeout` (30 s) and fail. No server limits SQLite connections, so
# the overflow is unbounded; connections beyond the pool's 5 are closed when returned.
UNBOUNDED_OVERFLOW = -1


@dataclass(frozen=True)
class EngineOptions:
    """How to open one dataset's file."""

    read_only: bool = False
    immutable: bool = True
    echo: bool = False
    use_foreign_keys: bool = True
    autocommit: bool = False
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT


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


def create_engine_for(path: str, options: EngineOptions) -> Engine:
    """Create an engine for one dataset file (or an in-memory database)."""
    if options.read_only:
        engine = _create_read_only_engine(path, options)
    else:
        engine = _create_writable_engine(path, options)
    _install_pragmas(engine, options)
    return engine


def _create_read_only_engine(path: str, options: EngineOptions) -> Engine:
    timeout = options.busy_timeout

    # A creator is used rather than a `sqlite:///file:...?uri=true` URL so that any path (spaces,
    # '?', '#', '%') survives and every connection gets its limits; the pool class must then be
    # named, because a URL without a database makes SQLAlchemy pick the in-memory SingletonThreadPool.
    def connect() -> sqlite3.Connection:
        return connect_read_only(path, options.immutable, timeout=timeout, check_same_thread=False)

    return create_engine(
        "sqlite://", creator=connect, poolclass=QueuePool, max_overflow=UNBOUNDED_OVERFLOW, echo=options.echo
    )


def _create_writable_engine(path: str, options: EngineOptions) -> Engine:
    database = None if path == MEMORY_PATH else path
    kwargs: dict[str, Any] = {"echo": options.echo}
    if database is not None:
        kwargs["connect_args"] = {"timeout": options.busy_timeout}
        kwargs["max_overflow"] = UNBOUNDED_OVERFLOW
    if options.autocommit:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    engine = create_engine(URL.create("sqlite", database=database), **kwargs)
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
