"""
`microcosm-sqlite publish`: publish an artifact to a PostgreSQL database, atomically.

"""

import sys
from dataclasses import asdict, fields
from pathlib import Path

import click

from microcosm_sqlite.artifacts.publish import DEFAULT_KEEP, Publication, publish_artifact
from microcosm_sqlite.cli.options import artifact_argument, chosen_format, format_options, load_models
from microcosm_sqlite.cli.render import write_records


@click.command(short_help="Publish an artifact to PostgreSQL, atomically.")
@artifact_argument()
@click.argument("url")
@click.option(
    "--models",
    "models_spec",
    metavar="MODULE:Base",
    help="The dataset's declarative base, to create the tables from (default: the artifact's own tables).",
)
@click.option("--schema", help="The schema to publish to (default: the dataset's name, lower-cased).")
@click.option(
    "--keep",
    type=click.IntRange(min=0),
    default=DEFAULT_KEEP,
    show_default=True,
    help="How many previous versions to keep, as SCHEMA__previous_<n>.",
)
@format_options(in_a_pipe="table")
def publish(
    artifact: Path, url: str, models_spec: str | None, schema: str | None, keep: int, output_format: str | None
) -> None:
    """
    Publish ARTIFACT to the PostgreSQL database at URL (postgresql://, postgresql+psycopg:// or
    postgres://), as its own schema. The artifact's digest is checked first; the rows are copied
    into a new staging schema with COPY, indexed, then swapped in by renames in one transaction:
    readers see the old dataset or the new one, never a mix. The previous version stays as
    SCHEMA__previous_<n> (--keep of them). A failure or a kill at any point leaves the published
    dataset as it was; what a killed publish left is dropped by the next one.

    \b
    Example:
        microcosm-sqlite publish datasets/airports.db "$DATABASE_URL" \\
            --models reference_data.airports:Airports
    """
    base = None if models_spec is None else load_models(models_spec)
    publication = publish_artifact(artifact, url, base, schema=schema, keep=keep)
    chosen = chosen_format(output_format, sys.stdout, in_a_pipe="table")
    if chosen != "table":
        write_records(sys.stdout, chosen, [field.name for field in fields(Publication)], [asdict(publication)])
        return
    rows = sum(publication.rows.values())
    kept = f"; previous version kept as {publication.previous}" if publication.previous else ""
    click.echo(
        f"{artifact}: published to {publication.url} as schema {publication.schema} "
        f"({rows:,} rows in {len(publication.rows)} tables, content hash {publication.content_hash[:12]}){kept}"
    )
