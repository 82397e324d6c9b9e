"""
The environment script Alembic runs for a dataset; see `microcosm_sqlite.migrations.environment`.

"""

from alembic import context

from microcosm_sqlite.migrations.environment import run_environment

run_environment(context)  # type: ignore[arg-type]
