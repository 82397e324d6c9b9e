"""
Writing rows and summaries: CSV and JSON Lines stream, tables are for people.

CSV and JSON Lines are written by the library's dumpers (their encoders and writers), the one place
that decides how a dumped value looks, so a dump from the command line reads back through the
builders unchanged.

"""
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import IO, Any

import click
from rich.console import Console
from rich.table import Table

from microcosm_sqlite.dumpers.base import Dumper
from microcosm_sqlite.dumpers.csv import CSVDumper
from microcosm_sqlite.dumpers.jsonl import JSONLinesDumper
from microcosm_sqlite.dumpers.values import portable_value

#: The library's dumpers by format: what they write, the builders read back unchanged.
DUMPERS: dict[str, type[Dumper]] = {"csv": CSVDumper, "jsonl": JSONLinesDumper}
ROW_FORMATS = tuple(DUMPERS)


def write_rows(
    output: IO[str],
    column_names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    output_format: str,
    json_columns: Collection[str] = (),
) -> int:
    """
    Stream plain rows (no model) to `output` in a dumper's format; return how many were written.

    `json_columns` hold JSON text: a CSV cell keeps the text, a JSON Lines record nests the value.

    """
    dumper = DUMPERS[output_format](store=None)
    encoders: list[Callable[[Any], Any]] = [
        _parsed_json if output_format == "jsonl" and name in json_columns else dumper.encoder_for(None)
        for name in column_names
    ]
    encoded = ([encode(value) for encode, value in zip(encoders, row)] for row in rows)
    return dumper.write(output, list(column_names), encoded)


def _parsed_json(value: Any) -> Any:
    return None if value is None else json.loads(value)


def write_table(
    console: Console, column_names: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> int:
    """Print rows as a table (held in memory until printed, so callers limit them)."""
    table = Table(*column_names, title=title)
    written = 0
    for row in rows:
        table.add_row(*("" if value is None else str(portable_value(value)) for value in row))
        written += 1
    console.print(table)
    return written


def print_json(value: Any) -> None:
    """Print a value as indented JSON on standard output, for scripts."""
    click.echo(json.dumps(value, indent=2, default=str))
