"""
The migration helpers microcosm-sqlite 2.0 exported from `microcosm_sqlite.alembic`, over the
library's migrations code (`microcosm_sqlite.migrations`).

Most projects only need `microcosm_sqlite.cmd.migrate.main(graph, Base)`; these are for code that
drives Alembic itself:

    from alembic import command

    config = make_alembic_config(None, f"{get_migrations_dir(graph)}/Geography", graph=graph, Base=Geography)
    command.upgrade(config, "head")

"""

import os
from pathlib import Path
from typing import Any

from alembic.config import Config

from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.migrations.config import make_config
from microcosm_sqlite.migrations.locations import migrations_root

__all__ = ["get_migrations_dir", "make_alembic_config"]

#: Names no dataset, where an error about the migrations directory as a whole needs one.
EVERY_DATA_SET = "(every dataset)"


def get_migrations_dir(graph: Any) -> str:
    """
    The directory holding each dataset's migrations folder (`<dir>/<dataset name>`).

    The graph component `sqlite_migrations_dir` if bound, else the graph metadata path
    `sqlite-migrations`; `MigrationsNotFoundError` when neither is available.

    """
    return str(migrations_root(graph, EVERY_DATA_SET))


def make_alembic_config(
    temporary_dir: str | os.PathLike[str] | None,
    migrations_dir: str | os.PathLike[str],
    *,
    graph: Any = None,
    Base: Any = None,
    include_downgrade: bool = True,
) -> Config:
    """
    An Alembic `Config` whose revision files are in `migrations_dir` (one dataset's folder).

    The environment script and revision template are the library's own, so nothing is written
    and `temporary_dir` (where 2.0 wrote them) is accepted but not needed. With `graph` and
    `Base`, the config runs every command on the dataset's file, as `cmd.migrate.main` does;
    without them it serves commands that only read the revision files (`heads`, `history`), and
    one that needs the database is a `MigrationCommandError`.

    """
    base = None if Base is None else data_set_base(Base)
    return make_config(graph, base, Path(migrations_dir).absolute(), include_downgrade=include_downgrade)
