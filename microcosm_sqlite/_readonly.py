"""
Refusing writes to read-only datasets before anything reaches the file (or the server).

"""

import re
import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from microcosm_sqlite._engines import ATTACH_REFUSED
from microcosm_sqlite._lookups import select_safe
from microcosm_sqlite.artifacts.checks import check_artifact_file, damaged, is_damage
from microcosm_sqlite.artifacts.undecodable import is_undecodable, undecodable_text
from microcosm_sqlite.errors import ArtifactNotFoundError, DataSetError, ReadOnlyDataSetError

HINT = "datasets opened with read_only are never written; build a new artifact instead"
SERVER_HINT = "datasets opened with read_only are never written; publish a new artifact instead"


def read_only_error(data_set: str, path: str, what: str, hint: str = HINT) -> ReadOnlyDataSetError:
    return ReadOnlyDataSetError(f"cannot {what}: the dataset is read-only", data_set=data_set, path=path, hint=hint)


def guard_sessions(factory: sessionmaker[Any], data_set: str, path: str, hint: str = HINT) -> None:
    """Make sessions from `factory` refuse to flush changes or run bulk writes."""

    @event.listens_for(factory, "before_flush")
    def refuse_flush(session: Session, flush_context: Any, instances: Any) -> None:
        if session.new or session.dirty or session.deleted:
            raise read_only_error(data_set, path, "write changes", hint)

    @event.listens_for(factory, "do_orm_execute")
    @select_safe
    def refuse_bulk_writes(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            raise read_only_error(data_set, path, "run an INSERT, UPDATE or DELETE", hint)


def guard_engine(engine: Engine, data_set: str, path: str) -> None:
    """Translate SQLite's refusals on a read-only file into errors that name the dataset."""

    @event.listens_for(engine, "handle_error")
    def translate(context: Any) -> None:
        error = context.original_exception
        if isinstance(error, sqlite3.OperationalError) and (
            getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY
            or "readonly database" in str(error)
            or "query_only" in str(error)
        ):
            raise read_only_error(data_set, path, "write") from error
        if is_undecodable(error):
            statement = getattr(getattr(context.execution_context, "compiled", None), "statement", None)
            raise undecodable_text(data_set, path, error, statement=statement) from error
        if isinstance(error, sqlite3.OperationalError) and str(error).startswith(ATTACH_REFUSED):
            raise read_only_error(data_set, path, "open another database file (ATTACH, VACUUM INTO)") from error
        if is_damage(error):
            raise damaged(data_set, path, error) from error
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(error, sqlite3.OperationalError) and code == sqlite3.SQLITE_CANTOPEN:
            # The file was checked at first use; a connection opened later (pool growth, after a
            # dispose or a fork) finds it gone, unreadable or replaced: the file check says which
            # (when it is gone, the hint below about atomic renames says more).
            try:
                check_artifact_file(data_set, path)
            except ArtifactNotFoundError:
                pass
            except DataSetError as problem:
                raise problem from error
            raise ArtifactNotFoundError(
                f"SQLite cannot open the file ({error})",
                data_set=data_set,
                path=path,
                hint="check that it still exists and is readable (replace artifacts by atomic rename)",
            ) from error


#: Statements a read-only dataset on a server may send: reads. (A named cursor's DECLARE is the
#: driver's own wrapping of a SELECT, which is what this guard sees.)
_READ_STATEMENT = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*(?:select|with|values|table|show|explain)\b", re.IGNORECASE | re.DOTALL
)
#: SQLSTATE read_only_sql_transaction: the server refused a write in a read-only transaction.
_READ_ONLY_TRANSACTION = "25006"


def guard_server_engine(engine: Engine, data_set: str, location: str) -> None:
    """
    Refuse, before it is sent, any statement that is not a read; translate the server's refusals.

    The server's read-only transactions (`default_transaction_read_only`) are the guarantee; this
    check keeps writes, DDL and `SET` from ever reaching it, so a statement such as
    `SET default_transaction_read_only = off` cannot lift that guarantee for later transactions.
    What still starts like a read and writes (a data-modifying `WITH`, `SELECT ... FOR UPDATE`) is
    refused by the server, and becomes the same `ReadOnlyDataSetError`.

    """

    @event.listens_for(engine, "before_cursor_execute")
    def refuse_writes(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not _READ_STATEMENT.match(statement):
            raise read_only_error(data_set, location, "run a statement that is not a read", SERVER_HINT)

    @event.listens_for(engine, "handle_error")
    def translate(context: Any) -> None:
        if getattr(context.original_exception, "sqlstate", None) == _READ_ONLY_TRANSACTION:
            raise read_only_error(data_set, location, "write", SERVER_HINT) from context.original_exception
