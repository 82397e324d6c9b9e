"""
What Alembic runs, through the shipped `script/env.py`, for every command that touches a database.

It runs in-process: the graph and the dataset's declarative base reach it through
`Config.attributes`, and it migrates the dataset's file through the dataset's own engine.

"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, Literal

import sqlalchemy
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from microcosm_sqlite.constants import MEMORY_PATH
from microcosm_sqlite.errors import MigrationCommandError, MigrationError
from microcosm_sqlite.migrations.config import BASE, DATA_SET, ENGINE, GRAPH


def render_storage_type(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """
    Render a decorated column type (`EnumType`, `Truthy`, a project's own) as the type it stores.

    Alembic would otherwise write `microcosm_sqlite.types.EnumType(length=13)`: a call that needs
    an import the revision lacks and an enum class the schema does not care about. A revision that
    names only SQLAlchemy types keeps working however the model code changes later. Other
    types keep Alembic's rendering, with the import it needs added to the revision.
    (Alembic docs, "Affecting the Rendering of Types Themselves".)

    """
    if kind != "type":
        return False
    if isinstance(obj, TypeDecorator):
        stored = obj.impl_instance
        if getattr(sqlalchemy, type(stored).__name__, None) is type(stored):
            return f"sa.{stored!r}"
    module = type(obj).__module__
    if not module.startswith("sqlalchemy."):
        # Alembic's default rendering names the type by its module; at least import it.
        autogen_context.imports.add(f"import {module}")
    return False


#: Shared with `check_migration`, so the check compares exactly as `revision --autogenerate` does.
#: Batch mode because SQLite's ALTER TABLE can add a column but not drop or change one
#: (https://www.sqlite.org/lang_altertable.html); Alembic then recreates the table, which needs
#: every constraint named (the dataset's naming convention does that).
AUTOGENERATE_OPTIONS: Final[dict[str, Any]] = {
    "compare_type": True,
    "render_as_batch": True,
    "render_item": render_storage_type,
}


def run_environment(context: EnvironmentContext) -> None:
    """Configure Alembic for the dataset named in the config, then let it run its command."""
    attributes = context.config.attributes
    if attributes.get(BASE) is None or attributes.get(GRAPH) is None:
        raise MigrationCommandError(
            "this Alembic config was made without a graph and a dataset base, so it cannot reach a database",
            data_set=attributes.get(DATA_SET, "?"),
            hint="pass graph= and Base= to make_alembic_config, or run microcosm_sqlite.cmd.migrate.main(graph, Base)",
        )
    # Our writable engines emit BEGIN themselves, so DDL is transactional: a migration that fails
    # halfway leaves the file as it was (and `--sql` output is wrapped in BEGIN/COMMIT).
    options = dict(target_metadata=attributes[BASE].metadata, transactional_ddl=True, **AUTOGENERATE_OPTIONS)
    if context.is_offline_mode():
        context.configure(dialect_name="sqlite", literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    graph, data_set, engine = attributes[GRAPH], attributes[DATA_SET], attributes.get(ENGINE)
    # check_migration may pass a scratch database to migrate instead of the dataset's file.
    path = MEMORY_PATH if engine else graph.sqlite.path_for(data_set)
    engine = engine or graph.sqlite(data_set).engine
    with engine.connect() as connection, _foreign_keys_off(connection):
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
            _check_foreign_keys(connection, data_set, path)


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """
    Disable foreign keys for the migration, and restore the connection's setting afterwards.

    Batch mode drops and recreates tables; with foreign keys on, dropping a table that other rows
    reference fails (https://www.sqlite.org/foreignkeys.html#fk_schemacommands, and Alembic's
    "Batch Migrations" docs). The pragma is a no-op inside a transaction, so it is set on the
    driver connection before Alembic begins one.

    """
    driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    (enabled,) = driver.execute("PRAGMA foreign_keys").fetchone()
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        driver.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


def _check_foreign_keys(connection: Connection, data_set: str, path: str) -> None:
    """Refuse to commit a migration that left rows pointing at rows that no longer exist."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise MigrationError(
            f"the migration would leave {len(broken)} row(s) with a broken foreign key "
            f"(first: table {table!r}, rowid {rowid}, referencing {parent!r}); nothing was changed",
            data_set=data_set,
            path=path,
            hint="fix the migration so that referenced rows are kept or moved with the rows that use them",
        )
