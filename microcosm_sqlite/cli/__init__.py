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
    "verify": "microcosm_sqlite.cli.verify:verify",
}


@click.group(
    cls=Group,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="microcosm-sqlite")
def main() -> None:
    """
    Build, verify, inspect, dump, search, compare and publish microcosm-sqlite artifacts, and run a
    dataset's migrations.

    \b
    Example:
        microcosm-sqlite inspect datasets/airports.db
    """


__all__ = ["main"]
