"""
`microcosm-sqlite inspect`: what an artifact holds.

"""

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from microcosm_sqlite.artifacts.inspect import ArtifactSummary, describe_artifact
from microcosm_sqlite.cli.options import artifact_argument, json_option
from microcosm_sqlite.cli.render import print_json


@click.command(short_help="Show tables, row counts, size, schema, build metadata.")
@artifact_argument()
@click.option("--schema", is_flag=True, help="Also print each table's CREATE statements.")
@json_option
def inspect(artifact: Path, schema: bool, as_json: bool) -> None:
    """
    Show an artifact's tables, row counts, size, schema and build metadata.

    Row counts come from the build metadata when the artifact has it (instant on big files),
    otherwise each table is counted. The file is opened read-only.

    \b
    Example:
        microcosm-sqlite inspect datasets/geography.db
        microcosm-sqlite inspect datasets/geography.db --json | jq '.tables[].rows'
    """
    summary = describe_artifact(artifact)
    if as_json:
        print_json(summary.as_dict())
    else:
        render(summary, schema)


def render(summary: ArtifactSummary, schema: bool) -> None:
    console = Console()
    console.print(
        f"[bold]{summary.path}[/bold]: {summary.size:,} bytes, page size {summary.page_size}, "
        f"journal mode {summary.journal_mode}, written by SQLite {summary.sqlite_version}",
        soft_wrap=True,
    )
    table = Table("table", "rows", "primary key", "columns")
    for item in summary.tables:
        rows = f"{item.rows:,}" if item.rows_from == "metadata" else f"{item.rows:,} (counted)"
        table.add_row(item.name, rows, ", ".join(item.primary_key), ", ".join(column.name for column in item.columns))
    console.print(table)
    if schema:
        for item in summary.tables:
            for statement in item.sql:
                console.print(statement + ";", highlight=False)
    if summary.metadata is None:
        console.print("no build metadata (not built by microcosm-sqlite's artifact builder)")
    else:
        metadata = Table("build metadata")
        metadata.add_column("value", overflow="fold")
        for key, value in sorted(summary.metadata.items()):
            if key == "sources":
                value = "\n".join(
                    f"{source['name']} -> {source['table']} (sha256 {source['sha256'][:12]}…)" for source in value
                )
            metadata.add_row(key, str(value) or "(none recorded)")
        console.print(metadata)
