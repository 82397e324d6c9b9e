"""
`microcosm-sqlite dump`: stream one table out as CSV or JSON Lines.

"""
from pathlib import Path
from typing import IO

import click

from microcosm_sqlite.cli.options import artifact_argument, format_option, output_option
from microcosm_sqlite.cli.render import ROW_FORMATS, write_rows
from microcosm_sqlite.tables import reading_table


@click.command()
@artifact_argument()
@click.argument("table")
@format_option(*ROW_FORMATS, default="csv")
@output_option
def dump(artifact: Path, table: str, output_format: str, output: IO[str]) -> None:
    """
    Stream TABLE of an artifact as CSV or JSON Lines, in primary-key order.

    Rows are streamed from the file opened read-only, so memory stays flat however big the table.

    \b
    Example:
        microcosm-sqlite dump datasets/geography.db city --format jsonl -o city.jsonl
    """
    with reading_table(artifact, table) as (column_names, rows):
        write_rows(output, column_names, rows, output_format)
