"""
`microcosm-sqlite verify`: is an artifact sound and current? The command CI runs.

"""
from dataclasses import asdict
from pathlib import Path

import click

from microcosm_sqlite.cli.options import FAILED, artifact_argument, json_option, load_object
from microcosm_sqlite.cli.render import print_json
from microcosm_sqlite.verification import verify_artifact


@click.command()
@artifact_argument("artifacts", nargs=-1, required=True)
@click.option("--models", "models_spec", metavar="MODULE:Base", help="The dataset's declarative base to check the schema against.")
@click.option("--quick", is_flag=True, help="Run SQLite's quick_check rather than the full integrity_check.")
@json_option
def verify(artifacts: tuple[Path, ...], models_spec: str | None, quick: bool, as_json: bool) -> None:
    """
    Check that each ARTIFACT is sound: a whole SQLite file in single-file (rollback journal) mode
    that passes SQLite's integrity check and, with --models, has every table and column of the models.

    Exits 0 when every artifact is sound, 1 when a check fails (one line per failure on stderr),
    2 on usage errors.

    \b
    Example:
        microcosm-sqlite verify datasets/geography.db --models myapp.models:Geography
    """
    base = None
    if models_spec is not None:
        base = load_object(models_spec, "the models")
        if not hasattr(base, "metadata") or not hasattr(base.metadata, "tables"):
            raise click.BadParameter(f"{models_spec!r} is not a declarative base", param_hint="--models")
    results = [
        verify_artifact(
            path,
            metadata=None if base is None else base.metadata,
            data_set=None if base is None else base.__name__,
            full=not quick,
        )
        for path in artifacts
    ]
    if as_json:
        print_json(click.get_text_stream("stdout"), [asdict(result) | {"sound": result.sound} for result in results])
    else:
        for result in results:
            if result.sound:
                click.echo(f"{result.path}: sound ({', '.join(result.passed)} checked)")
            for failure in result.failures:
                click.echo(f"FAILED {failure}", err=True)
    if not all(result.sound for result in results):
        raise SystemExit(FAILED)
