"""
The `microcosm-sqlite` command line: thin commands over library functions.

Each command is one module: it parses its options, calls one library function and renders the
result. Library errors become one line on stderr and exit status 1; usage errors exit 2.

An internal package: its modules may change in any release; the interface is the command line
and `main`.

"""

import click

from microcosm_sqlite.cli.options import Group

#: Every command, imported when it is used.
COMMANDS = {
    "build": "microcosm_sqlite.cli.build:build",
    "check-migration": "microcosm_sqlite.cli.migrate:check_migration",
    "diff": "microcosm_sqlite.cli.diff:diff",
    "dump": "microcosm_sqlite.cli.dump:dump",
    "inspect": "microcosm_sqlite.cli.inspect:inspect",
    "migrate": "microcosm_sqlite.cli.migrate:migrate",
    "migrate-sql": "microcosm_sqlite.cli.migrate_sql:migrate_sql",
    "publish": "microcosm_sqlite.cli.publish:publish",
    "search": "microcosm_sqlite.cli.search:search",
    "textconv": "microcosm_sqlite.cli.textconv:textconv",
    "verify": "microcosm_sqlite.cli.verify:verify",
}

#: What `--help` lists for each command, so that listing them imports none (their modules import
#: SQLAlchemy and rich). A test checks each is the command's own short help.
SHORT_HELP = {
    "build": "Build an artifact from source files, or run build scripts.",
    "check-migration": "Fail when the models need a migration the folder lacks.",
    "diff": "Compare two artifacts table by table.",
    "dump": "Stream a table as a table, CSV, TSV, JSON or JSON lines.",
    "inspect": "Show tables, row counts, size, schema, build metadata.",
    "migrate": "Run an Alembic command for one dataset.",
    "migrate-sql": "Apply a dataset's numbered .sql migration files.",
    "publish": "Publish an artifact to PostgreSQL, atomically.",
    "search": "Run a Store's search() on an artifact, read-only.",
    "textconv": "Print an artifact as sorted text, for git diff.",
    "verify": "Check artifacts or published datasets (for CI).",
}


@click.group(
    cls=Group,
    lazy_commands=COMMANDS,
    short_help=SHORT_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="microcosm-sqlite")
def main() -> None:
    """
    Build, verify, inspect, dump, search, compare and publish microcosm-sqlite artifacts, print
    them as text for git, and run a dataset's migrations.

    \b
    Example:
        microcosm-sqlite inspect datasets/airports.db
    """


__all__ = ["main"]
