"""
`microcosm-sqlite verify`: is an artifact sound and current? The command CI runs.

"""

import sys
from dataclasses import asdict
from pathlib import Path

import click

from microcosm_sqlite.artifacts.verify import Verification, verify_artifact
from microcosm_sqlite.cli.options import FAILED, artifact_argument, chosen_format, format_options, load_models
from microcosm_sqlite.cli.progress import progress_bar
from microcosm_sqlite.cli.render import write_records

#: The fields of each artifact's record in --csv, --tsv, --json and --nl.
FIELDS = ("path", "data_set", "sound", "passed", "failures", "leftovers", "notes")


@click.command(short_help="Check artifacts are sound and current (for CI).")
@artifact_argument("artifacts", nargs=-1, required=True)
@click.option(
    "--models",
    "models_spec",
    metavar="MODULE:Base",
    help="The dataset's declarative base: check the schema fingerprint, tables and columns against it.",
)
@click.option(
    "--sources",
    multiple=True,
    # A mistyped folder is a usage error (exit 2) naming the path, not a "not part of the build" failure.
    type=click.Path(exists=True, path_type=Path),
    help="A source file, or a folder holding the recorded sources, to check the artifact is up to date "
    "with (repeatable; needs --models).",
)
@click.option("--quick", is_flag=True, help="Run SQLite's quick_check rather than the full integrity_check.")
@format_options(in_a_pipe="table")
def verify(
    artifacts: tuple[Path, ...],
    models_spec: str | None,
    sources: tuple[Path, ...],
    quick: bool,
    output_format: str | None,
) -> None:
    """
    Check that each ARTIFACT is sound and current: a whole SQLite file in single-file (rollback
    journal) mode whose bytes match the SHA-256 digest it carries (also with --quick; older
    artifacts without one say "no digest"), that passes SQLite's integrity check and carries microcosm-sqlite metadata matching
    its content; with --models, built from those models (schema fingerprint) with every table and
    column; with --sources, built from those exact source files.

    Exits 0 when every artifact is sound, 1 when a check fails, 2 on usage errors. The table (the
    default, also in a pipe) is one line per sound artifact on stdout and one per failure on
    stderr; --csv, --tsv, --json and --nl give one record per artifact on stdout.

    \b
    Example:
        microcosm-sqlite verify datasets/geography.db --models myapp.models:Geography \\
            --sources datasets/sources/
    """
    if sources and models_spec is None:
        raise click.UsageError("--sources needs --models, to know which table each source fills")
    base = None if models_spec is None else load_models(models_spec)
    results = []
    with progress_bar("verify", total=len(artifacts), unit="artifacts") as bar:
        for path in artifacts:
            bar.describe(f"verify {path.name}")
            results.append(verify_artifact(path, base=base, sources=sources or None, full=not quick))
            bar.advance()
    chosen = chosen_format(output_format, sys.stdout, in_a_pipe="table")
    if chosen == "table":
        render(results)
    else:
        write_records(sys.stdout, chosen, FIELDS, (asdict(result) | {"sound": result.sound} for result in results))
    if not all(result.sound for result in results):
        raise SystemExit(FAILED)


def render(results: list[Verification]) -> None:
    for result in results:
        if result.sound:
            notes = "".join(f"; {note}" for note in result.notes)
            click.echo(f"{result.path}: sound ({', '.join(result.passed)} checked{notes})")
        for failure in result.failures:
            click.echo(f"FAILED {failure}", err=True)
        for leftover in result.leftovers:
            click.echo(f"LEFTOVER {leftover}", err=True)
