"""
`microcosm-sqlite migrate` and `check-migration`: a dataset's Alembic migrations, no script needed.

"""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from microcosm_sqlite.cli.graph import DEFAULT_GRAPH_NAME, create_graph
from microcosm_sqlite.cli.options import Location, load_models
from microcosm_sqlite.cmd import check_migration as check_migration_command
from microcosm_sqlite.cmd import migrate as migrate_command
from microcosm_sqlite.dataset import dispose_sqlite_connections
from microcosm_sqlite.migrations.locations import MIGRATIONS_DIR_COMPONENT, MIGRATIONS_METADATA_PATH

F = TypeVar("F", bound=Callable[..., Any])


def dataset_options(function: F) -> F:
    """The models, the file and the migrations folder: what both commands need to build a graph."""
    for decorator in reversed(
        [
            click.argument("models_spec", metavar="MODULE:Base"),
            click.option("--path", type=Location(urls=False), help="The dataset's file (default: from config)."),
            click.option(
                "--migrations-dir",
                type=click.Path(file_okay=False, path_type=Path),
                help=f"The folder holding <dataset name>/ revision folders (default: {MIGRATIONS_METADATA_PATH}/ "
                "beside the models' package).",
            ),
            click.option(
                "--graph-name", default=DEFAULT_GRAPH_NAME, show_default=True, help="Graph name for environment config."
            ),
        ]
    ):
        function = decorator(function)
    return function


def dataset_graph(models_spec: str, path: Path | None, migrations_dir: Path | None, graph_name: str) -> tuple[Any, Any]:
    """The models and a writable graph for them, rooted at the models' top-level package."""
    base = load_models(models_spec)
    components = {} if migrations_dir is None else {MIGRATIONS_DIR_COMPONENT: migrations_dir}
    graph = create_graph(
        graph_name,
        base.__name__,
        path,
        read_only=False,
        # The package the models were imported from (the base itself reports SQLAlchemy's module).
        import_name=models_spec.partition(":")[0].partition(".")[0],
        components=components,
    )
    return base, graph


@click.command(
    short_help="Run an Alembic command for one dataset.",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@dataset_options
@click.option("--no-downgrade", is_flag=True, help="Write forward-only revisions (their downgrade() raises).")
@click.argument("alembic_args", nargs=-1, type=click.UNPROCESSED, metavar="ALEMBIC_COMMAND [ARGS]...")
def migrate(
    models_spec: str,
    path: Path | None,
    migrations_dir: Path | None,
    graph_name: str,
    no_downgrade: bool,
    alembic_args: tuple[str, ...],
) -> None:
    """
    Run an Alembic command (revision, upgrade, downgrade, history, current, ...) for the dataset
    of MODULE:Base, with no alembic.ini or env.py: revisions live in <migrations dir>/<dataset>/.

    Options go before MODULE:Base; everything after it is Alembic's.

    \b
    Example:
        microcosm-sqlite migrate --path airports.db airports.models:Airports \\
            revision --autogenerate -m "add elevation"
        microcosm-sqlite migrate --path airports.db airports.models:Airports upgrade head
    """
    if not alembic_args:
        raise click.UsageError("give an Alembic command after MODULE:Base, for example: upgrade head")
    base, graph = dataset_graph(models_spec, path, migrations_dir, graph_name)
    try:
        # prog: Alembic's own usage errors then name this command, not the bare program.
        migrate_command.main(
            graph, base, not no_downgrade, *alembic_args, prog=f"microcosm-sqlite migrate {models_spec}"
        )
    finally:
        dispose_sqlite_connections(graph)


@click.command("check-migration", short_help="Fail when the models need a migration the folder lacks.")
@dataset_options
def check_migration(models_spec: str, path: Path | None, migrations_dir: Path | None, graph_name: str) -> None:
    """
    Fail (exit 1) when the dataset's file is not at the latest revision or the models of MODULE:Base
    need a migration that the migrations folder lacks; the file is only read.

    \b
    Example:
        microcosm-sqlite check-migration --path airports.db airports.models:Airports
    """
    base, graph = dataset_graph(models_spec, path, migrations_dir, graph_name)
    try:
        check_migration_command.main(graph, base)
    finally:
        dispose_sqlite_connections(graph)
    click.echo(f"{base.__name__}: migrations are up to date")
