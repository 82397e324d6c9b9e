"""
Checks that an artifact file can be trusted before a read-only dataset is queried.

They run once, when a dataset is first used, and turn every way a file can be wrong into an error
that names the dataset, the path and what to do.

"""

import sqlite3
import stat
from pathlib import Path

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from microcosm_sqlite._fulltext import search_index
from microcosm_sqlite._hints import path_setting, reader
from microcosm_sqlite.artifacts.affinity import can_read
from microcosm_sqlite.constants import ARTIFACT_APPLICATION_ID
from microcosm_sqlite.errors import (
    ArtifactNotFoundError,
    DamagedArtifactError,
    NotAnArtifactError,
    SchemaMismatchError,
    UnreadableArtifactError,
    UnsupportedArtifactError,
)

__all__ = [
    "ARTIFACT_STAMP",
    "HEADER_SIZE",
    "MAGIC",
    "REBUILD_HINT",
    "SPECIAL_FILES",
    "TEXT_FORMATS",
    "WAL_WRITE_VERSION",
    "check_artifact_file",
    "check_integrity",
    "check_schema",
    "damaged",
    "is_damage",
    "special_file",
]


# https://www.sqlite.org/fileformat.html#the_database_header
HEADER_SIZE = 100
MAGIC = b"SQLite format 3\x00"
WAL_WRITE_VERSION = 2
ARTIFACT_STAMP = ARTIFACT_APPLICATION_ID.to_bytes(4, "big")  # header offset 68: PRAGMA application_id

REBUILD_HINT = "rebuild it from its sources or restore it from source control"


def _point_at(data_set: str | None, target: str, otherwise: str = "check the path") -> str:
    """A hint to point the dataset at `target` ("the artifact file itself"), in the reader's words."""
    setting = path_setting(data_set)
    return otherwise if setting is None else f"point {setting} at {target}"


def check_artifact_file(data_set: str | None, path: str | Path) -> None:
    """Check, without opening SQL, that `path` is a whole SQLite file in rollback-journal mode."""
    path = Path(path)
    size = _regular_file_size(data_set, path)
    try:
        with path.open("rb") as artifact:
            header = artifact.read(HEADER_SIZE)
    except PermissionError:
        raise UnreadableArtifactError(
            "the artifact file cannot be read: permission denied",
            data_set=data_set,
            path=path,
            hint=f"give {reader()} read access to the file",
        ) from None
    except OSError as error:
        raise ArtifactNotFoundError(
            f"the artifact file cannot be read ({error.strerror})",
            data_set=data_set,
            path=path,
            hint="check the file's permissions",
        ) from None

    if len(header) == HEADER_SIZE and not header.startswith(MAGIC) and header[68:72] == ARTIFACT_STAMP:
        # The header still carries the builder's application_id: an artifact whose magic was damaged.
        raise DamagedArtifactError(
            "the file is damaged (an artifact whose SQLite header no longer starts with the SQLite magic)",
            data_set=data_set,
            path=path,
            hint=REBUILD_HINT,
        )
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        text = _text_kind(path, header)
        if size and text is not None:
            raise NotAnArtifactError(
                f"the file is not an SQLite database: it is {text} (a source to build an artifact from?)",
                data_set=data_set,
                path=path,
                hint=_point_at(data_set, "the artifact built from it", otherwise="give the artifact built from it"),
            )
        raise NotAnArtifactError(
            "the file is empty" if size == 0 else "the file is not an SQLite database",
            data_set=data_set,
            path=path,
            hint=f"{_point_at(data_set, 'an artifact')}, or {REBUILD_HINT}",
        )

    page_size = int.from_bytes(header[16:18], "big")
    if page_size == 1:
        page_size = 65536
    page_count = int.from_bytes(header[28:32], "big")
    # The in-header page count is only valid when the two change counters agree.
    count_is_valid = header[24:28] == header[92:96] and page_count > 0
    if page_size < 512 or page_size & (page_size - 1) or size % page_size:
        raise DamagedArtifactError(
            f"the file is damaged (size {size} is not a whole number of {page_size}-byte pages)",
            data_set=data_set,
            path=path,
            hint=REBUILD_HINT,
        )
    if count_is_valid and size < page_size * page_count:
        raise DamagedArtifactError(
            f"the file is truncated ({size} bytes of {page_size * page_count})",
            data_set=data_set,
            path=path,
            hint=REBUILD_HINT,
        )

    if header[18] == WAL_WRITE_VERSION or header[19] == WAL_WRITE_VERSION:
        raise UnsupportedArtifactError(
            "the file is in WAL mode, so a read-only reader could miss rows kept in its -wal file",
            data_set=data_set,
            path=path,
            hint="rebuild it with the microcosm-sqlite builder, which writes rollback-journal files",
        )
    journal = Path(f"{path}-journal")
    if journal.exists() and journal.stat().st_size > 0:
        raise UnsupportedArtifactError(
            f"an interrupted write left a hot journal beside it ({journal.name})",
            data_set=data_set,
            path=path,
            hint=f"open it once writable to roll the journal back, or {REBUILD_HINT}",
        )


#: Names of the text formats sources come in, by file name suffix.
TEXT_FORMATS = {".csv": "CSV", ".tsv": "TSV", ".json": "JSON", ".jsonl": "JSON Lines", ".ndjson": "JSON Lines"}


def _text_kind(path: Path, header: bytes) -> str | None:
    """What a file that starts with `header` is, when it is text: "CSV text" (by its suffix); None otherwise."""
    if b"\x00" in header:
        return None
    # The header may end inside a character: up to 3 bytes of it are allowed to be cut off.
    if not any(_decodes(header[: len(header) - cut]) for cut in range(4)):
        return None
    kind = TEXT_FORMATS.get(path.suffix.lower())
    return "text" if kind is None else f"{kind} text"


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: What `stat` says a path is, for paths that are neither regular files nor directories.
SPECIAL_FILES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_file(mode: int) -> str | None:
    """What a path of `stat` mode `mode` is when it is not a regular file or a directory, else None."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return next((name for test, name in SPECIAL_FILES if test(mode)), "not a regular file")


def _regular_file_size(data_set: str | None, path: Path) -> int:
    """
    The size of `path`, after checking from its stat alone that it is a regular file.

    Nothing else may be opened: opening a FIFO for reading blocks until a writer appears, and
    opening a device can have effects of its own.

    """
    try:
        status = path.stat()
    except FileNotFoundError:
        raise ArtifactNotFoundError(
            "the artifact file does not exist",
            data_set=data_set,
            path=path,
            hint=f"build it, or {_point_at(data_set, 'the shipped file')}",
        ) from None
    except PermissionError:
        # stat needs no permission on the file itself, only search permission on its folders.
        raise UnreadableArtifactError(
            "the artifact's folder cannot be searched: permission denied",
            data_set=data_set,
            path=path,
            hint=f"give {reader()} search (execute) access to every folder on the path",
        ) from None
    except OSError as error:
        raise ArtifactNotFoundError(
            f"the artifact file cannot be read ({error.strerror})",
            data_set=data_set,
            path=path,
            hint=_point_at(data_set, "a readable file"),
        ) from None
    if stat.S_ISDIR(status.st_mode):
        raise NotAnArtifactError(
            "the path is a directory, not an SQLite file",
            data_set=data_set,
            path=path,
            hint=_point_at(data_set, "the artifact file itself", otherwise="give the artifact file itself"),
        )
    what = special_file(status.st_mode)
    if what is not None:
        raise NotAnArtifactError(
            f"the path is {what}, not an SQLite file",
            data_set=data_set,
            path=path,
            hint=_point_at(data_set, "the artifact file itself", otherwise="give the artifact file itself"),
        )
    return status.st_size


def check_integrity(data_set: str | None, path: str | Path, engine: Engine, full: bool = False) -> None:
    """
    Run `PRAGMA quick_check`, which reads every page (about 5x cheaper than integrity_check).

    `full` runs `integrity_check` instead, which also checks indexes against tables and UNIQUE
    constraints: worth its cost in CI, not on every service start.

    """
    pragma = "integrity_check" if full else "quick_check"
    try:
        with engine.connect() as connection:
            problems = [row[0] for row in connection.exec_driver_sql(f"PRAGMA {pragma}")]
    except DBAPIError as error:
        raise damaged(data_set, path, error.orig) from None
    if problems != ["ok"]:
        raise DamagedArtifactError(
            f"the integrity check failed: {'; '.join(problems[:3])}",
            data_set=data_set,
            path=path,
            hint=REBUILD_HINT,
        )


def check_schema(data_set: str | None, path: str | Path, engine: Engine, metadata: MetaData) -> None:
    """
    Check that every table and column the models declare exists in the file, declared with a type
    whose values the model's type can read (`affinity.can_read`).

    Only declarations are compared: values are never scanned, so a value of another type in a
    column declared without one (or in a file that broke its own declarations) still reads as is.

    """
    try:
        with engine.connect() as connection:
            existing_tables = set(inspect(connection).get_table_names())
            missing_tables = sorted(name for name in metadata.tables if name not in existing_tables)
            # A model declaring search needs its index: without it, q= could only fail.
            missing_tables += [
                f"{index.name} (the search index of {index.table})"
                for table in metadata.tables.values()
                if (index := search_index(table)) is not None and index.name not in existing_tables
            ]
            missing_columns: list[str] = []
            mistyped_columns: list[str] = []
            for name, table in sorted(metadata.tables.items()):
                if name not in existing_tables:
                    continue
                declared = {
                    str(column): str(type_ or "")
                    for column, type_ in connection.exec_driver_sql(
                        "SELECT name, type FROM pragma_table_info(?)", (name,)
                    )
                }
                for column in table.columns:
                    if column.name not in declared:
                        missing_columns.append(f"{name}.{column.name}")
                    elif not can_read(column.type, declared[column.name]):
                        mistyped_columns.append(
                            f"{name}.{column.name} is {declared[column.name]} in the file, "
                            f"{type(column.type).__name__} in the model"
                        )
    except DBAPIError as error:
        raise damaged(data_set, path, error.orig) from None

    problems = []
    if missing_tables:
        problems.append(f"missing tables {', '.join(missing_tables)}")
    if missing_columns:
        problems.append(f"missing columns {', '.join(missing_columns)}")
    if mistyped_columns:
        problems.append(f"columns of another type: {', '.join(mistyped_columns)}")
    if problems:
        hint = "rebuild the artifact with the current models, or deploy the artifact built for this code"
        if mistyped_columns:
            hint += " (for a file made by another tool: declare the models' columns with types that match the file's)"
        raise SchemaMismatchError(
            f"the artifact does not match the models ({'; '.join(problems)})",
            data_set=data_set,
            path=path,
            hint=hint,
        )


def damaged(data_set: str | None, path: str | Path | None, error: BaseException | None) -> DamagedArtifactError:
    """The error for a file SQLite itself refused to read."""
    return DamagedArtifactError(
        f"SQLite cannot read the file ({error})",
        data_set=data_set,
        path=path,
        hint=REBUILD_HINT,
    )


def is_damage(error: BaseException | None) -> bool:
    """Whether a DB-API error means the file is corrupt rather than the query wrong."""
    if not isinstance(error, sqlite3.DatabaseError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in str(error)
