"""
Rebuild and verify example artifacts with progress on the terminal: what `build_scripts/` run.

"""

import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from microcosm_sqlite.errors import SQLiteError
from reference_data.build import build, check
from reference_data.console import console as unwrapped_console
from reference_data.paths import DATASETS_DIR, SOURCES_DIR
from reference_data.staging import ExampleDataSet


def rebuild(
    data_sets: Sequence[ExampleDataSet], console: Console | None = None, sources_dir: Path = SOURCES_DIR
) -> int:
    """Build each dataset onto its artifact path, verify it, print a summary; the exit status."""
    console = console or unwrapped_console()
    summary = Table(title="Rows per table", title_justify="left")
    for column in ("dataset", "table", "rows"):
        summary.add_column(column, justify="right" if column == "rows" else "left")
    for data_set in data_sets:
        started = time.perf_counter()
        try:
            with console.status(f"[bold]{data_set.name}[/]: starting") as status:
                info = build(
                    data_set,
                    sources_dir=sources_dir,
                    progress=lambda step: status.update(f"[bold]{data_set.name}[/]: {step}"),  # noqa: B023 (called within this iteration)
                )
                elapsed = time.perf_counter() - started
                status.update(f"[bold]{data_set.name}[/]: verifying")
                report = check(data_set, sources_dir=sources_dir)
        except SQLiteError as error:
            console.print(f"[red]{data_set.name}: build failed[/]: {error}")
            return 1
        if not report.up_to_date:
            console.print(f"[red]{data_set.name}: the new artifact does not verify[/]: {'; '.join(report.problems)}")
            return 1
        console.print(
            f"[green]✓[/] {data_set.name}: {data_set.artifact.name} built in {elapsed:.2f} s, "
            f"{data_set.artifact.stat().st_size / 1024:,.0f} KiB, verified up to date "
            f"(content hash {info.content_hash[:12]})"
        )
        for name, table in sorted(info.tables.items()):
            summary.add_row(data_set.name, name, f"{table.rows:,}")
    console.print(summary)
    return 0


def main(data_sets: Sequence[ExampleDataSet], datasets_dir: Path = DATASETS_DIR) -> None:
    """
    Rebuild into `datasets_dir` from its `sources/`: the build scripts pass the `datasets/` beside
    them, so that a copy of the repository builds its own files, not the checkout the package
    was installed from.

    """
    relocated = [
        dataclasses.replace(data_set, artifact=datasets_dir / data_set.artifact.name) for data_set in data_sets
    ]
    sys.exit(rebuild(relocated, sources_dir=datasets_dir / "sources"))
