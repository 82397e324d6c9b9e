"""
`microcosm-sqlite diff`: how two artifacts differ, table by table.

"""

from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from microcosm_sqlite.artifacts.diff import DEFAULT_SAMPLE_SIZE, ArtifactDiff, Change, diff_artifacts
from microcosm_sqlite.cli.options import FAILED, LibraryError, artifact_argument, json_option
from microcosm_sqlite.cli.render import print_json
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
@json_option
def diff(a: Path, b: Path, sample_size: int, as_json: bool) -> None:
    """
    Compare artifacts A and B: per table, row counts, content hashes and the keys that differ.

    Both files are attached read-only to one SQLite connection and their rows matched by key there
    (flat memory, whatever their size). Exits 0 when they hold the same content, 1 when they differ,
    2 when they cannot be compared (a missing file, not an artifact), like diff(1).

    \b
    Example:
        microcosm-sqlite diff datasets/geography.db build/geography.db --keys 5
    """
    try:
        result = diff_artifacts(a, b, sample_size=sample_size)
    except SQLiteError as error:
        raise DiffError.from_error(error) from None
    if as_json:
        print_json(
            {"a": result.a, "b": result.b, "same": result.same, "tables": [asdict(table) for table in result.tables]},
        )
    else:
        render(result)
    if not result.same:
        raise SystemExit(FAILED)


def render(result: ArtifactDiff) -> None:
    console = Console()
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


def format_key(key: list[object]) -> str:
    return repr(key[0]) if len(key) == 1 else "(" + ", ".join(repr(value) for value in key) + ")"
