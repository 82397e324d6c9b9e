"""
`microcosm-sqlite diff`: how two artifacts differ, table by table.

"""

import sys
from dataclasses import asdict, fields
from pathlib import Path

import click
from rich.table import Table

from microcosm_sqlite.artifacts.diff import DEFAULT_SAMPLE_SIZE, ArtifactDiff, Change, TableDiff, diff_artifacts
from microcosm_sqlite.artifacts.reading import columns, open_artifact
from microcosm_sqlite.cli.options import FAILED, LibraryError, artifact_argument, chosen_format, format_options
from microcosm_sqlite.cli.progress import progress_bar
from microcosm_sqlite.cli.render import cell_text, console_for, declared_reader, write_records
from microcosm_sqlite.errors import SQLiteError

#: Exit status when the files cannot be compared (a missing file, not an artifact), as diff(1) has it.
TROUBLE = 2


class DiffError(LibraryError):
    """A library error while comparing: one line on stderr, exit status 2 (1 means the files differ)."""

    exit_code = TROUBLE


@click.command(short_help="Compare two artifacts table by table.")
@artifact_argument("a")
@artifact_argument("b")
@click.option(
    "--keys",
    "sample_size",
    type=click.IntRange(min=0),
    default=DEFAULT_SAMPLE_SIZE,
    show_default=True,
    help="How many added, removed and changed keys to list per table.",
)
@format_options(in_a_pipe="table")
def diff(a: Path, b: Path, sample_size: int, output_format: str | None) -> None:
    """
    Compare artifacts A and B: per table, row counts, content hashes and the keys that differ.

    Both files are attached read-only to one SQLite connection and their rows matched by key there
    (flat memory, whatever their size). Exits 0 when they hold the same content, 1 when they differ,
    2 when they cannot be compared (a missing file, not an artifact), like diff(1). The table (the
    default, also in a pipe) is for people; --csv, --tsv, --json and --nl give one record per table.

    \b
    Example:
        microcosm-sqlite diff datasets/geography.db build/geography.db --keys 5
    """
    try:
        with progress_bar(f"diff {a.name} {b.name}", unit=None):
            result = diff_artifacts(a, b, sample_size=sample_size)
            read_sample_keys(result)
    except SQLiteError as error:
        raise DiffError.from_error(error) from None
    chosen = chosen_format(output_format, sys.stdout, in_a_pipe="table")
    if chosen == "table":
        render(result)
    else:
        names = [field.name for field in fields(TableDiff)] + ["same"]
        write_records(sys.stdout, chosen, names, (asdict(table) | {"same": table.same} for table in result.tables))
    if not result.same:
        raise SystemExit(FAILED)


def render(result: ArtifactDiff) -> None:
    console = console_for(sys.stdout)
    table = Table("table", "rows A", "rows B", "added", "removed", "changed", "content")
    for item in result.tables:
        table.add_row(
            item.name,
            "-" if item.rows_a is None else f"{item.rows_a:,}",
            "-" if item.rows_b is None else f"{item.rows_b:,}",
            f"{item.counts['added']:,}",
            f"{item.counts['removed']:,}",
            f"{item.counts['changed']:,}",
            "same" if item.same else "differs",
        )
    console.print(table)
    for item in result.tables:
        if item.rows_a is None:
            console.print(f"{item.name}: only in B")
        if item.rows_b is None:
            console.print(f"{item.name}: only in A")
        if item.columns_added:
            console.print(f"{item.name}: columns added: {', '.join(item.columns_added)}")
        if item.columns_removed:
            console.print(f"{item.name}: columns removed: {', '.join(item.columns_removed)}")
        if item.note:
            console.print(f"{item.name}: {item.note}: rows not compared by key")
        for change in Change:
            keys = item.samples[change.value]
            if keys:
                shown = ", ".join(format_key(key) for key in keys)
                more = item.counts[change.value] - len(keys)
                suffix = f" and {more:,} more" if more else ""
                console.print(f"{item.name}: {change.value} ({', '.join(item.key)}) = {shown}{suffix}", highlight=False)
    console.print("same content" if result.same else "the artifacts differ")


def read_sample_keys(result: ArtifactDiff) -> None:
    """
    Read the listed keys as `dump` reads values without the models (a BOOLEAN column's 0 and 1 as
    false and true), from the declared types of the side that has the table (B when both do).

    """
    for table in result.tables:
        width = len(table.key)
        if not width or not any(table.samples.values()):
            continue
        with open_artifact(result.b if table.rows_b is not None else result.a) as connection:
            declared = {column.name: column.type for column in columns(connection, table.name)}
        readers = [declared_reader(declared.get(name, "")) for name in table.key]
        table.samples = {
            change: [[read(value) for read, value in zip(readers, key)] if len(key) == width else key for key in keys]
            for change, keys in table.samples.items()
        }


def format_key(key: list[object]) -> str:
    shown = [repr(value) if isinstance(value, str) else "NULL" if value is None else cell_text(value) for value in key]
    return shown[0] if len(shown) == 1 else "(" + ", ".join(shown) + ")"
