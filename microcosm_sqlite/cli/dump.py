"""
`microcosm-sqlite dump`: stream one table out as CSV or JSON Lines.

"""

from pathlib import Path

import click

from microcosm_sqlite.artifacts.checks import check_artifact_file
from microcosm_sqlite.artifacts.digest import check_digest
from microcosm_sqlite.artifacts.reading import reading_table
from microcosm_sqlite.cli.options import (
    artifact_argument,
    format_option,
    opened_output,
    output_option,
    refuse_to_overwrite,
)
from microcosm_sqlite.dumpers import ROW_FORMATS, dump_rows


@click.command(short_help="Stream a table as CSV or JSON Lines.")
@artifact_argument()
@click.argument("table")
@format_option(*ROW_FORMATS, default="csv")
@output_option
def dump(artifact: Path, table: str, output_format: str, output: Path) -> None:
    """
    Stream TABLE of an artifact as CSV or JSON Lines, in primary-key order.

    Rows are streamed from the file opened read-only, so memory stays flat however big the table.
    An artifact whose bytes do not match the digest it carries is refused before any row.

    \b
    Example:
        microcosm-sqlite dump datasets/geography.db city --format jsonl -o city.jsonl
    """
    refuse_to_overwrite(output, artifact)
    # Dumped rows become sources: a changed value would be rebuilt into an artifact with a valid digest.
    check_artifact_file(None, artifact)
    check_digest(None, artifact)
    with reading_table(artifact, table) as (columns, rows), opened_output(output) as stream:
        # SQLAlchemy's JSON type is declared as JSON in the file: its text is nested in JSON Lines.
        json_columns = {column.name for column in columns if column.type.upper() == "JSON"}
        dump_rows(stream, output_format, [column.name for column in columns], rows, json_columns)
