"""
Numbered SQL migrations: plain `NNN_name.sql` files applied, in order and once each, to a dataset
maintained in place.

Each file runs in its own transaction, taken with `BEGIN IMMEDIATE` so that the write lock is held
before the list of applied files is read: two processes running the same folder at once queue on
the lock (for up to the busy timeout) and apply each file exactly once. What was applied is kept
in the dataset's `_migrations` table: the file's name, the SHA-256 of its text (line endings and
a BOM aside) and the UTC time.
An applied file is history: changing, renaming or deleting it is an error, never a re-run.

"""

import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from microcosm_sqlite._engines import read_only_uri
from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.constants import MEMORY_PATH
from microcosm_sqlite.errors import (
    AppliedMigrationChangedError,
    MigrationError,
    MigrationFailedError,
    MigrationFileError,
    MigrationNumberingError,
    MigrationsNotFoundError,
)

__all__ = ["MIGRATIONS_TABLE", "pending_migrations", "run_migrations"]

#: The table recording applied files, created in the dataset on the first run.
MIGRATIONS_TABLE = "_migrations"

_FILE_NAME = re.compile(r"(?P<number>[0-9]+)_(?P<label>.+)\.sql", re.IGNORECASE)

#: Statements that would end the transaction a migration runs in (`ROLLBACK TO` a savepoint does not).
_TRANSACTION_CONTROL = re.compile(r"(BEGIN|COMMIT|END|ROLLBACK(?!\s+(TRANSACTION\s+)?TO\b))\b", re.IGNORECASE)

#: Setting the journal mode inside a transaction is ignored or fails, depending on the file's state.
_JOURNAL_MODE = re.compile(r"PRAGMA\s+(\w+\s*\.\s*)?journal_mode\s*[=(]", re.IGNORECASE)

_NEVER_REWRITE = (
    "never rewrite an applied migration: restore the file as it was applied (from source control) and "
    "put the change in a new file with the next number"
)


@dataclass(frozen=True)
class _Statement:
    line: int
    sql: str


@dataclass(frozen=True)
class _MigrationFile:
    number: int
    name: str
    sha256: str
    statements: tuple[_Statement, ...]


def run_migrations(
    graph: Any, Base: Any, directory: str | Path, on_applied: Callable[[str], None] | None = None
) -> list[str]:
    """
    Apply every `NNN_name.sql` file of `directory` not yet applied to the dataset of `Base`, in
    numeric order, each in its own transaction; return the names applied by this call.

    Every file is read and checked before any runs. A failing file is rolled back alone (those
    before it stay applied) and raises `MigrationFailedError` naming it, the line and the SQL error.
    `on_applied(name)` is called as each file commits, so progress is known even if a later one fails.

    """
    data_set = _data_set_name(Base)
    _refuse_server(graph, data_set)
    graph.sqlite.refuse_if_read_only(data_set, "run SQL migrations")
    folder = _folder(data_set, directory)
    files = _read_files(data_set, folder)
    bind = graph.sqlite(data_set)
    done: list[str] = []
    with _driver_connection(bind.engine) as connection, _foreign_keys_off(connection) as check_foreign_keys:
        while True:
            _execute(connection, data_set, folder, "BEGIN IMMEDIATE")
            try:
                _create_table(connection, data_set, folder)
                # Read under the write lock: another runner may have applied files meanwhile.
                pending = _pending(data_set, folder, files, _applied(connection, data_set, folder))
                if not pending:
                    _execute(connection, data_set, folder, "COMMIT")
                    return done
                migration = pending[0]
                _apply(connection, data_set, folder, migration, check_foreign_keys, done)
                _commit(connection, data_set, folder, migration, done)
            finally:
                if connection.in_transaction:
                    connection.rollback()
            done.append(migration.name)
            if on_applied is not None:
                on_applied(migration.name)


def pending_migrations(graph: Any, Base: Any, directory: str | Path) -> list[str]:
    """
    The names of the files `run_migrations` would apply, in order; only reads the dataset.

    Raises the same errors as `run_migrations` for changed, renamed or deleted applied files and
    for bad numbering, so a CI check catches them before a deployment does.

    """
    data_set = _data_set_name(Base)
    _refuse_server(graph, data_set)
    folder = _folder(data_set, directory)
    files = _read_files(data_set, folder)
    path = graph.sqlite.path_for(data_set)
    if graph.sqlite.read_only or path == MEMORY_PATH:
        with _driver_connection(graph.sqlite(data_set).engine) as connection:
            applied = _applied(connection, data_set, folder)
    elif not Path(path).exists():
        # A writable engine would create the file just to find it empty.
        return [migration.name for migration in files]
    else:
        # Not the writable engine: each of its connections sets the configured journal mode, and a
        # check must neither switch a live dataset out of WAL nor fail because it cannot.
        uri = read_only_uri(path, immutable=False)
        with closing(sqlite3.connect(uri, uri=True, timeout=graph.sqlite.options.busy_timeout)) as connection:
            applied = _applied(connection, data_set, folder)
    return [migration.name for migration in _pending(data_set, folder, files, applied)]


def _refuse_server(graph: Any, data_set: str) -> None:
    """
    A dataset published on a server is replaced whole by `publish`, never migrated in place: the
    runner speaks SQLite (its transactions, its `_migrations` table), and the driver's own error
    on connecting would be a traceback.

    """
    server = graph.sqlite.server_location_for(data_set)
    if server is not None:
        raise MigrationError(
            "SQL migrations apply to an SQLite file, and this dataset is on a PostgreSQL server",
            data_set=data_set,
            path=server.display,
            hint="configure the dataset's file to migrate it, then build and publish the artifact again",
        )


def _data_set_name(Base: Any) -> str:
    name: str = data_set_base(Base).__name__
    return name


def _folder(data_set: str, directory: str | Path) -> Path:
    folder = Path(directory).absolute()
    if not folder.is_dir():
        raise MigrationsNotFoundError(
            "the migrations path is not a directory" if folder.exists() else "the migrations folder does not exist",
            data_set=data_set,
            path=folder,
            hint="create it and put the first migration in it as 001_name.sql",
        )
    return folder


def _read_files(data_set: str, folder: Path) -> list[_MigrationFile]:
    """Every `.sql` file of the folder, parsed and numbered 1, 2, 3, ... with no gap or repeat."""
    files = []
    # Not glob("*.sql"): its case sensitivity follows the platform, and 002_x.SQL must not run on
    # Windows yet be skipped on Linux.
    for path in sorted(path for path in folder.iterdir() if path.suffix.lower() == ".sql" and path.is_file()):
        match = _FILE_NAME.fullmatch(path.name)
        if match is None:
            raise MigrationNumberingError(
                f"{path.name} is not named NNN_name.sql",
                data_set=data_set,
                path=folder,
                hint="number it after the last migration, for example 004_add_index.sql",
            )
        data = path.read_bytes()
        try:
            # utf-8-sig drops the BOM some Windows editors write, which would otherwise hide a
            # first-line BEGIN from the check below.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise MigrationFileError(
                f"{path.name} is not UTF-8 (byte {error.start})",
                data_set=data_set,
                path=folder,
                hint="save it as UTF-8",
            ) from None
        files.append(
            _MigrationFile(
                number=int(match["number"]),
                name=path.name,
                sha256=_sha256(text),
                statements=tuple(_split(data_set, folder, path.name, text)),
            )
        )
    files.sort(key=lambda migration: (migration.number, migration.name))
    _check_numbering(data_set, folder, files)
    return files


def _sha256(text: str) -> str:
    """
    The hash recorded for a file: of its text with LF line endings and no BOM, so that a Windows
    checkout (git `core.autocrlf`) of files applied from Linux is not taken for an edit.

    """
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def _check_numbering(data_set: str, folder: Path, files: list[_MigrationFile]) -> None:
    hint = "number the files 1, 2, 3, ... (any zero padding), one file per number"
    if files and files[0].number != 1:
        raise MigrationNumberingError(
            f"numbering starts at 1, and {files[0].name} is first", data_set=data_set, path=folder, hint=hint
        )
    for previous, migration in zip(files, files[1:]):
        if migration.number == previous.number:
            raise MigrationNumberingError(
                f"{previous.name} and {migration.name} have the same number", data_set=data_set, path=folder, hint=hint
            )
        if migration.number != previous.number + 1:
            raise MigrationNumberingError(
                f"number {previous.number + 1} is missing: {previous.name} is followed by {migration.name}",
                data_set=data_set,
                path=folder,
                hint=hint,
            )


def _split(data_set: str, folder: Path, name: str, text: str) -> Iterator[_Statement]:
    """
    The file's statements, each with the line it starts on.

    The text is cut after each `;` that ends a complete statement by SQLite's own reckoning
    (`sqlite3.complete_statement`), so semicolons inside strings, comments and trigger bodies stay
    where they are. A file may leave out the last semicolon.

    """
    buffer, line = "", 1
    pieces = re.split(r"(?<=;)", text)
    for index, piece in enumerate(pieces):
        buffer += piece
        last = index == len(pieces) - 1
        # The newline ends a `--` comment after a last statement that has no semicolon.
        if not sqlite3.complete_statement(buffer) and not (last and sqlite3.complete_statement(buffer + "\n;")):
            continue
        start = line + _leading_lines(buffer)
        line += buffer.count("\n")
        statement, buffer = buffer, ""
        body = _without_leading_comments(statement)
        if body.strip() in ("", ";"):
            continue
        control = _TRANSACTION_CONTROL.match(body)
        if control:
            raise MigrationFileError(
                f"{name}, line {start}: {control[1].upper()} would end the transaction the "
                "file runs in; each migration file runs in its own transaction",
                data_set=data_set,
                path=folder,
                hint="remove BEGIN / COMMIT / ROLLBACK from the file (SAVEPOINT works inside it)",
            )
        if _JOURNAL_MODE.match(body):
            raise MigrationFileError(
                f"{name}, line {start}: PRAGMA journal_mode cannot change the journal mode inside the "
                "transaction the file runs in",
                data_set=data_set,
                path=folder,
                hint="remove it and set config sqlite.journal_mode, which every connection applies",
            )
        yield _Statement(start, statement)
    if _without_leading_comments(buffer).strip():
        raise MigrationFileError(
            f"{name}, line {line + _leading_lines(buffer)}: the file ends inside a statement "
            "(an unclosed string, comment or trigger body)",
            data_set=data_set,
            path=folder,
            hint="close it and end it with a semicolon",
        )


def _without_leading_comments(sql: str) -> str:
    while True:
        sql = sql.lstrip()
        if sql.startswith("--"):
            sql = sql.partition("\n")[2]
        elif sql.startswith("/*") and "*/" in sql:
            sql = sql.partition("*/")[2]
        else:
            return sql


def _leading_lines(sql: str) -> int:
    """Lines before the statement's first word (blank lines and comments)."""
    body = _without_leading_comments(sql)
    return sql[: len(sql) - len(body)].count("\n")


def _pending(data_set: str, folder: Path, files: list[_MigrationFile], applied: dict[str, str]) -> list[_MigrationFile]:
    """The files not yet applied, once every applied one is checked to be there unchanged."""
    by_name = {migration.name: migration for migration in files}
    for name, sha256 in applied.items():
        migration = by_name.get(name)
        if migration is not None and migration.sha256 == sha256:
            continue
        if migration is not None:
            problem = f"{name} was applied and has changed since (SHA-256 {sha256[:12]}... then, {migration.sha256[:12]}... now)"
        else:
            renamed = [other.name for other in files if other.sha256 == sha256 and other.name not in applied]
            problem = (
                f"{name} was applied and has been renamed to {renamed[0]}"
                if renamed
                else f"{name} was applied and is no longer in the folder (deleted or renamed)"
            )
        raise AppliedMigrationChangedError(problem, data_set=data_set, path=folder, hint=_NEVER_REWRITE)
    return [migration for migration in files if migration.name not in applied]


def _apply(
    connection: sqlite3.Connection,
    data_set: str,
    folder: Path,
    migration: _MigrationFile,
    check_foreign_keys: bool,
    done: list[str],
) -> None:
    hint = f"{_kept(done)}; fix the file (it was never applied) and run the migrations again"
    for statement in migration.statements:
        try:
            connection.execute(statement.sql)
        except sqlite3.Error as error:
            raise MigrationFailedError(
                f"{migration.name} failed at line {statement.line}: {error}; the file was rolled back",
                data_set=data_set,
                path=folder,
                hint=hint,
            ) from None
    if check_foreign_keys:
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent, _ = broken[0]
            raise MigrationFailedError(
                f"{migration.name} would leave {len(broken)} row(s) with a broken foreign key (first: table "
                f"{table!r}, rowid {rowid}, referencing {parent!r}); the file was rolled back",
                data_set=data_set,
                path=folder,
                hint=hint,
            )
    connection.execute(
        f"INSERT INTO {MIGRATIONS_TABLE} (name, sha256, applied_at) VALUES (?, ?, ?)",
        (migration.name, migration.sha256, datetime.now(UTC).isoformat()),
    )


def _commit(
    connection: sqlite3.Connection, data_set: str, folder: Path, migration: _MigrationFile, done: list[str]
) -> None:
    try:
        connection.execute("COMMIT")
    except sqlite3.Error as error:
        # Under a rollback journal, COMMIT waits (up to the busy timeout) for every reader to end
        # its read transaction (https://www.sqlite.org/lockingv3.html): the file's SQL all ran,
        # but nothing of it is kept, and the caller must know which file that was.
        raise MigrationError(
            f"{migration.name} ran but could not commit: {error}; the file was rolled back",
            data_set=data_set,
            path=folder,
            hint=(
                f"{_kept(done)}; run the migrations again once long readers are done, raise "
                "sqlite.busy_timeout, or keep the dataset in journal_mode wal, where readers never block a commit"
            ),
        ) from None


def _kept(done: list[str]) -> str:
    return f"{', '.join(done)} applied by this run stayed applied" if done else "no file was applied by this run"


def _create_table(connection: sqlite3.Connection, data_set: str, folder: Path) -> None:
    _execute(
        connection,
        data_set,
        folder,
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
        "(name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )


def _applied(connection: sqlite3.Connection, data_set: str, folder: Path) -> dict[str, str]:
    """Applied file names and hashes; none when the table does not exist yet."""
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
    ).fetchone()
    if exists is None:
        return {}
    columns = [row[1] for row in connection.execute(f"PRAGMA table_info({MIGRATIONS_TABLE})")]
    if not {"name", "sha256"} <= set(columns):
        # Other migration tools name their ledger alike: never read theirs as ours.
        raise MigrationError(
            f"its {MIGRATIONS_TABLE} table has columns ({', '.join(columns)}), not (name, sha256, applied_at): "
            "another tool made it",
            data_set=data_set,
            path=folder,
            hint="keep migrating the dataset with that tool, or rename its table before running these files",
        )
    rows = _execute(connection, data_set, folder, f"SELECT name, sha256 FROM {MIGRATIONS_TABLE}").fetchall()
    return {str(name): str(sha256) for name, sha256 in rows}


def _execute(connection: sqlite3.Connection, data_set: str, folder: Path, sql: str) -> sqlite3.Cursor:
    """Run one statement of the runner's own (not of a migration file)."""
    try:
        return connection.execute(sql)
    except sqlite3.Error as error:
        # Typically "database is locked": another writer held the lock past the busy timeout.
        raise MigrationError(
            f"cannot run the migrations: {error}",
            data_set=data_set,
            path=folder,
            hint="if another process is writing the dataset, run again once it is done or raise sqlite.busy_timeout",
        ) from None


@contextmanager
def _driver_connection(engine: Any) -> Iterator[sqlite3.Connection]:
    """
    A pooled connection's `sqlite3.Connection`, in autocommit mode so the runner says where
    transactions begin and end (pysqlite would otherwise BEGIN before DML only, not before DDL).

    """
    pooled = engine.raw_connection()
    try:
        connection: sqlite3.Connection = pooled.driver_connection
        isolation_level = connection.isolation_level
        connection.isolation_level = None
        try:
            yield connection
        finally:
            if connection.in_transaction:
                connection.rollback()
            connection.isolation_level = isolation_level
    finally:
        pooled.close()


@contextmanager
def _foreign_keys_off(connection: sqlite3.Connection) -> Iterator[bool]:
    """
    Turn foreign keys off while migrations run and restore them after; yield whether they were on.

    SQLite's recipe for changing a table rebuilds it, and with foreign keys on, dropping the old
    table deletes (or cascades to) the rows that reference it
    (https://www.sqlite.org/lang_altertable.html#otheralter). The pragma is a no-op inside a
    transaction, so it is set before each file's BEGIN; `PRAGMA foreign_key_check` then stands in
    for it before each COMMIT.

    """
    (enabled,) = connection.execute("PRAGMA foreign_keys").fetchone()
    connection.execute("PRAGMA foreign_keys = OFF")
    try:
        yield bool(enabled)
    finally:
        connection.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")
