"""
Refusing writes to read-only datasets before anything reaches the file.

"""

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


def read_only_error(data_set: str, path: str, what: str) -> ReadOnlyDataSetError:
    return ReadOnlyDataSetError(f"cannot {what}: the dataset is read-only", data_set=data_set, path=path, hint=HINT)


def guard_sessions(factory: sessionmaker[Any], data_set: str, path: str) -> None:
    """Make sessions from `factory` refuse to flush changes or run bulk writes."""

    @event.listens_for(factory, "before_flush")
    def refuse_flush(session: Session, flush_context: Any, instances: Any) -> None:
        if session.new or session.dirty or session.deleted:
            raise read_only_error(data_set, path, "write changes")

    @event.listens_for(factory, "do_orm_execute")
    @select_safe
    def refuse_bulk_writes(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            raise read_only_error(data_set, path, "run an INSERT, UPDATE or DELETE")


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
