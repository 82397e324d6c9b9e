"""
Fail when a dataset's models need a migration that its migrations folder lacks.

Meant for CI, next to the tests: `microcosm_sqlite.cmd.check_migration.main(graph, Geography)`.

"""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from microcosm_sqlite._engines import EngineOptions, create_engine_for
from microcosm_sqlite._hints import in_graph, path_setting
from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.constants import MEMORY_PATH
from microcosm_sqlite.errors import ArtifactNotFoundError, MigrationError, StaleDBError
from microcosm_sqlite.migrations.changes import describe_changes
from microcosm_sqlite.migrations.config import ENGINE, make_config
from microcosm_sqlite.migrations.environment import AUTOGENERATE_OPTIONS
from microcosm_sqlite.migrations.locations import migrations_folder
from microcosm_sqlite.migrations.translation import alembic_errors

__all__ = ["main"]


_REVISION_HINT = "run `migrate revision --autogenerate -m MESSAGE`, review the new file, then `migrate upgrade head`"


def main(graph: Any, Base: Any) -> None:
    """
    Raise `StaleDBError` unless the dataset's file is at the latest revision and matches the models.

    The file is compared with the models exactly as `migrate revision --autogenerate` would
    compare them (types included), so passing means autogenerate would write an empty revision.
    The file is only read. A dataset with no file (path `:memory:`) is checked against a scratch
    database built by the migrations: then it fails only when the migrations folder lacks a
    revision.

    """
    base = data_set_base(Base)
    data_set = base.__name__
    folder = migrations_folder(graph, data_set)
    config = make_config(graph, base, folder)
    with alembic_errors(data_set, folder):
        heads = set(ScriptDirectory.from_config(config).get_heads())

    server = graph.sqlite.server_location_for(data_set)
    if server is not None:
        # Checked before the file test below, which would print the URL, password and all.
        raise MigrationError(
            "migrations are checked against an SQLite file, and this dataset is on a PostgreSQL server",
            data_set=data_set,
            path=server.display,
            hint="point the dataset at its file to check it; a published dataset is replaced by publish, not migrated",
        )
    path = graph.sqlite.path_for(data_set)
    if path == MEMORY_PATH:
        engine = config.attributes[ENGINE] = create_engine_for(MEMORY_PATH, EngineOptions())
        try:
            with alembic_errors(data_set, folder):
                command.upgrade(config, "head")
            _compare(engine, base, heads, data_set, path, folder)
        finally:
            engine.dispose()
        return

    if not Path(path).exists():
        # A writable engine would create an empty file rather than report the missing one.
        raise ArtifactNotFoundError(
            "the database file does not exist",
            data_set=data_set,
            path=path,
            hint=f"create it with `migrate upgrade head`, or point {_path_setting(graph, data_set)} at it",
        )
    _compare(graph.sqlite(data_set).engine, base, heads, data_set, path, folder)


def _path_setting(graph: Any, data_set: str) -> str:
    with in_graph(graph.metadata.name):
        setting = path_setting(data_set)
    return setting or f"config sqlite.paths.{data_set}"


def _compare(engine: Engine, base: Any, heads: set[str], data_set: str, path: str, folder: Path) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"target_metadata": base.metadata, **AUTOGENERATE_OPTIONS}
        )
        current = set(context.get_current_heads())
        if current != heads:
            raise StaleDBError(
                f"the database is at revision {_revisions(current)} but the migrations in {folder} "
                f"end at {_revisions(heads)}",
                data_set=data_set,
                path=path,
                hint=(
                    "run `migrate upgrade head` (or `migrate stamp head` if the file was created "
                    "from the current models)"
                ),
            )
        changes = describe_changes(compare_metadata(context, base.metadata))
    if changes:
        raise StaleDBError(
            f"the models need a migration that {folder} lacks: {'; '.join(changes)}",
            data_set=data_set,
            path=path,
            hint=_REVISION_HINT,
        )


def _revisions(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) if revisions else "none"
