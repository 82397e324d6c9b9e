"""
`microcosm-sqlite dump`: stream one table out, in primary-key order.

"""

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeEngine

from microcosm_sqlite.artifacts.checks import check_artifact_file
from microcosm_sqlite.artifacts.digest import check_digest
from microcosm_sqlite.artifacts.metadata import read_metadata
from microcosm_sqlite.artifacts.reading import DeclaredColumn, open_artifact, reading_table
from microcosm_sqlite.cli.options import (
    artifact_argument,
    chosen_format,
    format_options,
    load_models,
    opened_output,
    output_option,
    refuse_to_overwrite,
)
from microcosm_sqlite.cli.progress import Bar, progress_bar
from microcosm_sqlite.cli.render import TABLE_LIMIT, declared_reader, write_rows

#: The dialect whose result processors turn what SQLite holds into the models' Python values.
DIALECT = sqlite.dialect()

Reader = Callable[[Any], Any]


@click.command(short_help="Stream a table as a table, CSV, TSV, JSON or JSON lines.")
@artifact_argument()
@click.argument("table")
@click.option(
    "--models",
    "models_spec",
    metavar="MODULE:Base",
    help="The dataset's declarative base: read each value as its model column types it (dates, enums, JSON...).",
)
@format_options(in_a_pipe="csv")
@output_option
def dump(artifact: Path, table: str, models_spec: str | None, output_format: str | None, output: Path) -> None:
    """
    Stream TABLE of an artifact in primary-key order: CSV (the default when not writing to a
    terminal), TSV, a JSON array or JSON lines; on a terminal, a table of the first 100 rows.

    Rows are streamed from the file opened read-only, so memory stays flat however big the table.
    A column declared BOOLEAN prints true or false; with --models every value is read as its model
    column types it, as `search` prints it. CSV and JSON lines read back through the builders
    unchanged. An artifact whose bytes do not match the digest it carries is refused before any row.

    \b
    Example:
        microcosm-sqlite dump datasets/geography.db city --nl -o city.jsonl
        microcosm-sqlite dump datasets/geography.db country --models myapp.models:Geography --json
    """
    refuse_to_overwrite(output, artifact)
    base = None if models_spec is None else load_models(models_spec)
    if base is not None and table not in base.metadata.tables:
        raise click.BadParameter(
            f"the models have no table {table!r}: choose one of {', '.join(sorted(base.metadata.tables))}",
            param_hint="--models",
        )
    # Dumped rows become sources: a changed value would be rebuilt into an artifact with a valid digest.
    check_artifact_file(None, artifact)
    check_digest(None, artifact)
    with reading_table(artifact, table) as (columns, rows), opened_output(output) as stream:
        chosen = chosen_format(output_format, stream, in_a_pipe="csv")
        with progress_bar(f"dump {table}", enabled=chosen != "table") as bar:
            if bar.shown:
                bar.expect(recorded_rows(artifact, table))
            write(stream, chosen, columns, rows, None if base is None else base.metadata.tables[table], bar)


def write(
    stream: IO[str],
    chosen: str,
    columns: list[DeclaredColumn],
    rows: Iterator[tuple[Any, ...]],
    model_table: Any,
    bar: Bar,
) -> None:
    """Write the rows read from the file, typed by the model's table when there is one."""
    types = None if model_table is None else model_types(model_table, columns)
    readers = [declared_reader(column.type) for column in columns] if types is None else model_readers(types)
    values = bar.counting(tuple(read(value) for read, value in zip(readers, row)) for row in rows)
    # SQLAlchemy's JSON type is declared as JSON in the file: its text is nested in JSON output.
    json_text = () if types is not None else {column.name for column in columns if column.type.upper() == "JSON"}
    names = [column.name for column in columns]
    if chosen != "table":
        write_rows(stream, chosen, names, values, types=types, json_text=json_text)
        return
    written = write_rows(stream, chosen, names, values, types=types, json_text=json_text, table_limit=TABLE_LIMIT)
    rest = sum(1 for _ in values)
    if rest:
        click.echo(
            f"showing the first {written:,} of {written + rest:,} rows: use --csv, --tsv, --json or --nl for all of them",
            err=True,
        )


def recorded_rows(artifact: Path, table: str) -> int | None:
    """The table's row count as the build recorded it (instant), for the bar; None when unknown."""
    with open_artifact(artifact) as connection:
        info = read_metadata(connection, None, artifact)
    recorded = None if info is None else info.tables.get(table)
    return None if recorded is None else recorded.rows


def model_types(table: Any, columns: Sequence[DeclaredColumn]) -> list[TypeEngine[Any] | None]:
    """Each file column's type in the models (None for a column the models lack)."""
    return [table.c[column.name].type if column.name in table.c else None for column in columns]


def model_readers(types: Sequence[TypeEngine[Any] | None]) -> list[Reader]:
    """What SQLAlchemy does to a value it reads from SQLite through each type (None: nothing)."""
    readers: list[Reader] = []
    for type_ in types:
        processor = None if type_ is None else type_.dialect_impl(DIALECT).result_processor(DIALECT, None)
        readers.append(_unchanged if processor is None else processor)
    return readers


def _unchanged(value: Any) -> Any:
    return value
