"""
Run Alembic's command line for one dataset, with no `alembic.ini`, `env.py` or template in the
user's tree.

A project exposes it through a script of its own:

    def main() -> None:
        graph = create_object_graph("geography")
        microcosm_sqlite.cmd.migrate.main(graph, Geography)

and runs `geography-migrate revision --autogenerate -m "add elevation"`, `... upgrade head`,
`... downgrade -1`, `... history`, `... current`.

"""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic.config import CommandLine

from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.errors import MigrationCommandError
from microcosm_sqlite.migrations.config import make_config
from microcosm_sqlite.migrations.locations import migrations_folder
from microcosm_sqlite.migrations.translation import alembic_errors

__all__ = ["main"]


#: Commands that write the dataset's file (unless `--sql` only prints the SQL).
_WRITING_COMMANDS = frozenset({"upgrade", "downgrade", "stamp", "ensure_version"})

#: Alembic's logger that announces each autogenerate plugin it loads.
_PLUGINS_LOGGER = "alembic.runtime.plugins"

#: Commands about creating an Alembic environment, which the library ships instead.
_REFUSED_COMMANDS = frozenset({"init", "list_templates"})


def main(
    graph: Any,
    Base: Any,
    include_downgrade: bool | str = True,
    *args: str,
    prog: str | None = None,
) -> None:
    """
    Run one Alembic command (`args`, else `sys.argv[1:]`) against the dataset of `Base`.

    Revision files live in `<migrations dir>/<dataset name>`, the directory being the graph
    component `sqlite_migrations_dir` if bound, else the graph metadata path `sqlite-migrations`.
    With `include_downgrade=False`, new revisions are forward-only: their `downgrade()` raises
    `IrreversibleMigrationError`. Failures raise errors from `microcosm_sqlite.errors`; bad
    arguments print the usage (headed `prog`, default the script's name) and exit, as any command
    line does.

    """
    if isinstance(include_downgrade, str):
        # The 2.0 signature puts include_downgrade before *args, so `main(graph, Base, "upgrade",
        # "head")` binds "upgrade" to it: treat a string there as the first argument.
        args = (include_downgrade, *args)
        include_downgrade = True
    command_line = CommandLine(prog=prog)
    options = command_line.parser.parse_args(list(args) if args else sys.argv[1:])
    if not hasattr(options, "cmd"):
        command_line.parser.error("too few arguments")

    base = data_set_base(Base)
    data_set = base.__name__
    _refuse(graph, data_set, options.cmd[0].__name__, options)
    folder = migrations_folder(graph, data_set)
    config = make_config(graph, base, folder, include_downgrade=include_downgrade, cmd_opts=options)
    # Alembic's errors must reach `alembic_errors` rather than be printed and turned into an exit.
    options.raiseerr = True
    with alembic_errors(data_set, folder), _progress(options.quiet):
        command_line.run_cmd(config, options)


def _refuse(graph: Any, data_set: str, command: str, options: Any) -> None:
    if command in _REFUSED_COMMANDS:
        raise MigrationCommandError(
            f"`{command}` is not needed: the Alembic environment ships with microcosm-sqlite",
            data_set=data_set,
            hint=(
                f"create the folder {data_set} in the migrations directory, then write the first "
                "revision with `revision --autogenerate -m MESSAGE`"
            ),
        )
    if options.config:
        raise MigrationCommandError(
            "-c/--config is not used: Alembic is configured by microcosm-sqlite, not by an ini file",
            data_set=data_set,
            hint="drop the option; bind the graph component sqlite_migrations_dir to move the migrations",
        )
    if command in _WRITING_COMMANDS and not getattr(options, "sql", False):
        graph.sqlite.refuse_if_read_only(data_set, f"run `{command}`")


@contextmanager
def _progress(quiet: bool) -> Iterator[None]:
    """
    Show Alembic's "Running upgrade ..." lines, for this call only.

    Alembic reports progress through logging, which its own env.py template configures from
    alembic.ini; with neither, nothing would be shown. A handler is added only when the
    application has configured none (Alembic's own NullHandler does not count), and removed
    afterwards.

    """
    logger = logging.getLogger("alembic")
    if quiet or _has_handlers(logger):
        yield
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    # One line per autogenerate plugin on every command is Alembic's chatter, not progress.
    handler.addFilter(lambda record: not record.name.startswith(_PLUGINS_LOGGER))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _has_handlers(logger: logging.Logger | None) -> bool:
    while logger is not None:
        if any(not isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            return True
        logger = logger.parent if logger.propagate else None
    return False
