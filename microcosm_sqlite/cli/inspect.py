"""
`microcosm-sqlite inspect`: what an artifact holds.

"""

import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO

import click
from rich.table import Table

from microcosm_sqlite.artifacts.inspect import ArtifactSummary, describe_artifact
from microcosm_sqlite.cli.options import artifact_argument, chosen_format, format_options
from microcosm_sqlite.cli.render import console_for, write_records

#: The fields of each table's record in --csv, --tsv, --json and --nl (`sql` only with --schema).
FIELDS = ("artifact", "name", "rows", "rows_from", "content_hash", "primary_key", "columns")


@click.command(short_help="Show tables, row counts, size, schema, build metadata.")
@artifact_argument()
@click.option("--schema", is_flag=True, help="Also print each table's CREATE statements.")
@format_options(in_a_pipe="table")
def inspect(artifact: Path, schema: bool, output_format: str | None) -> None:
    """
    Show an artifact's tables, row counts, size, schema and build metadata.

    Row counts come from the build metadata when the artifact has it (instant on big files),
    otherwise each table is counted. The file is opened read-only. The table (the default, also
    in a pipe) shows everything; --csv, --tsv, --json and --nl give one record per table.

    \b
    Example:
        microcosm-sqlite inspect datasets/geography.db
        microcosm-sqlite inspect datasets/geography.db --nl | jq .rows
    """
    summary = describe_artifact(artifact)
    stream = sys.stdout
    chosen = chosen_format(output_format, stream, in_a_pipe="table")
    if chosen == "table":
        render(stream, summary, schema)
        return
    records = [{"artifact": summary.path, **asdict(table)} for table in summary.tables]
    write_records(stream, chosen, [*FIELDS, "sql"] if schema else FIELDS, records)


def render(stream: IO[str], summary: ArtifactSummary, schema: bool) -> None:
    console = console_for(stream)
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
