"""
`microcosm-sqlite migrate-sql`: apply a dataset's numbered `.sql` migration files, or list the pending ones.

"""

from pathlib import Path

import click

from microcosm_sqlite._hints import set_path
from microcosm_sqlite.cli.graph import DEFAULT_GRAPH_NAME, create_graph
from microcosm_sqlite.cli.options import FAILED, Location, load_models
from microcosm_sqlite.constants import MEMORY_PATH
from microcosm_sqlite.dataset import dispose_sqlite_connections
from microcosm_sqlite.errors import DataSetNotConfiguredError
from microcosm_sqlite.sql_migrations import pending_migrations, run_migrations


@click.command("migrate-sql", short_help="Apply a dataset's numbered .sql migration files.")
@click.option("--path", type=Location(urls=False), help="The dataset's file (default: from config).")
@click.option("--check", is_flag=True, help="Only list the pending files; exit 1 when any are pending (for CI).")
@click.option("--graph-name", default=DEFAULT_GRAPH_NAME, show_default=True, help="Graph name for environment config.")
@click.argument("models_spec", metavar="MODULE:Base")
@click.argument("directory", type=click.Path(path_type=Path))
def migrate_sql(path: Path | None, check: bool, graph_name: str, models_spec: str, directory: Path) -> None:
    """
    Apply every NNN_name.sql file of DIRECTORY not yet applied to the dataset of MODULE:Base, in
    numeric order, each in its own transaction, recorded in its _migrations table. An applied file
    that changed, was renamed or deleted, and a missing or repeated number, are errors.

    \b
    Example:
        microcosm-sqlite migrate-sql --path state.db state.models:State migrations/
        microcosm-sqlite migrate-sql --check --path state.db state.models:State migrations/
    """
    base = load_models(models_spec)
    graph = create_graph(graph_name, base.__name__, path, read_only=False)
    if graph.sqlite.path_for(base.__name__) == MEMORY_PATH:
        # The library's default path: the files would be applied to a database gone on exit.
        raise DataSetNotConfiguredError(
            "no file is configured, and migrations applied to an in-memory database are lost on exit",
            data_set=base.__name__,
            hint=set_path(base.__name__, graph_name),
        )
    try:
        if check:
            pending = pending_migrations(graph, base, directory)
        else:
            applied = run_migrations(graph, base, directory, on_applied=lambda name: click.echo(f"applied {name}"))
    finally:
        dispose_sqlite_connections(graph)
    if not check:
        if not applied:
            click.echo(f"{base.__name__}: no migration to apply")
        return
    if not pending:
        click.echo(f"{base.__name__}: no migration pending")
        return
    for name in pending:
        click.echo(f"pending {name}")
    click.echo(f"{base.__name__}: {len(pending)} migration(s) pending", err=True)
    raise click.exceptions.Exit(FAILED)
