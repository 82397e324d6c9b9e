"""
`microcosm-sqlite verify`: is an artifact sound and current? The command CI runs.

"""

import sys
from dataclasses import asdict
from pathlib import Path

import click

from microcosm_sqlite.artifacts.server import is_server_url
from microcosm_sqlite.artifacts.verify import Verification, verify_artifact
from microcosm_sqlite.cli.options import FAILED, chosen_format, format_options, load_models
from microcosm_sqlite.cli.progress import progress_bar
from microcosm_sqlite.cli.render import write_records

#: The fields of each artifact's record in --csv, --tsv, --json and --nl.
FIELDS = ("path", "data_set", "sound", "passed", "failures", "leftovers", "notes")


class _Location(click.ParamType):
    """An artifact's path, or a PostgreSQL URL (kept a string: a Path would fold its '//')."""

    name = "artifact"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str | Path:
        return str(value) if is_server_url(value) else Path(str(value))


@click.command(short_help="Check artifacts or published datasets (for CI).")
@click.argument("artifacts", nargs=-1, required=True, type=_Location())
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
@click.option(
    "--schema",
    help="For a URL: the schema the dataset was published to (default: from --models, or the database's one dataset).",
)
@format_options(in_a_pipe="table")
def verify(
    artifacts: tuple[str | Path, ...],
    models_spec: str | None,
    sources: tuple[Path, ...],
    quick: bool,
    schema: str | None,
    output_format: str | None,
) -> None:
    """
    Check that each ARTIFACT is sound and current: a whole SQLite file in single-file (rollback
    journal) mode whose bytes match the SHA-256 digest it carries (also with --quick; older
    artifacts without one say "no digest"), that passes SQLite's integrity check and carries microcosm-sqlite metadata matching
    its content; with --models, built from those models (schema fingerprint) with every table and
    column; with --sources, built from those exact source files.

    An ARTIFACT may also be the URL of a PostgreSQL database an artifact was published to: its
    tables must hash as the metadata it carries records, identically to the artifact it came from.

    Exits 0 when every artifact is sound, 1 when a check fails, 2 on usage errors. The table (the
    default, also in a pipe) is one line per sound artifact on stdout and one per failure on
    stderr; --csv, --tsv, --json and --nl give one record per artifact on stdout.

    \b
    Example:
        microcosm-sqlite verify datasets/geography.db --models myapp.models:Geography \\
            --sources datasets/sources/
        microcosm-sqlite verify "$DATABASE_URL" --schema geography
    """
    if sources and models_spec is None:
        raise click.UsageError("--sources needs --models, to know which table each source fills")
    base = None if models_spec is None else load_models(models_spec)
    if sources and any(is_server_url(location) for location in artifacts):
        raise click.UsageError("--sources checks artifact files: verify the artifact a dataset was published from")
    results = []
    with progress_bar("verify", total=len(artifacts), unit="artifacts") as bar:
        for location in artifacts:
            bar.describe(f"verify {location.name if isinstance(location, Path) else 'published dataset'}")
            results.append(verify_artifact(location, base=base, sources=sources or None, full=not quick, schema=schema))
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
