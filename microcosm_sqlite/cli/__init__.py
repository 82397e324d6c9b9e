"""
The `microcosm-sqlite` command line: thin commands over library functions.

Each command is one module: it parses its options, calls one library function and renders the
result. Library errors become one line on stderr and exit status 1; usage errors exit 2.

"""
import click

from microcosm_sqlite.cli.build import build
from microcosm_sqlite.cli.diff import diff
from microcosm_sqlite.cli.dump import dump
from microcosm_sqlite.cli.inspect import inspect
from microcosm_sqlite.cli.migrate import check_migration, migrate
from microcosm_sqlite.cli.options import Group
from microcosm_sqlite.cli.search import search
from microcosm_sqlite.cli.verify import verify


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="microcosm-sqlite")
def main() -> None:
    """
    Build, verify, inspect, dump, search and compare microcosm-sqlite artifacts.

    \b
    Example:
        microcosm-sqlite inspect datasets/geography.db
    """


for command in (build, check_migration, diff, dump, inspect, migrate, search, verify):
    main.add_command(command)

__all__ = ["main"]
