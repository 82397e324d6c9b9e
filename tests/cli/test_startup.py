"""
`--help` and `--version` answer without importing what only commands need.

What a process imported is read from `sys.modules` in a child process, not timed: start-up
speed is measured in benchmarks/ (scripts/cli_startup.py).

"""

import json
import subprocess
import sys

import pytest

from tests.support.cli import ROOT

#: Imported only by the commands that use them: each costs a noticeable part of a second.
HEAVY = ("sqlalchemy", "rich", "microcosm", "alembic")

REPORT_IMPORTS = """
import json, sys
from microcosm_sqlite.cli import main
try:
    main(sys.argv[1:], prog_name="microcosm-sqlite")
except SystemExit:
    pass
loaded = sorted({name.partition(".")[0] for name in sys.modules})
print(json.dumps(loaded), file=sys.stderr)
"""


def imported_by(*args: str) -> tuple[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", REPORT_IMPORTS, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    return result.stdout, json.loads(result.stderr.splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["-h"]])
def test_help_and_version_import_neither_sqlalchemy_nor_rich(args):
    stdout, loaded = imported_by(*args)

    assert stdout.startswith(("Usage: microcosm-sqlite", "microcosm-sqlite, version"))
    assert [name for name in HEAVY if name in loaded] == []


def test_the_listed_short_help_is_each_commands_own():
    """The group lists commands without importing them: what it lists must be what they say."""
    from microcosm_sqlite.cli import COMMANDS, main
    from tests.support.cli import cli_runner

    listed = cli_runner().invoke(main, ["--help"]).output
    context = main.make_context("microcosm-sqlite", [], resilient_parsing=True)
    for name in COMMANDS:
        command = main.get_command(context, name)
        assert command is not None
        assert f"  {name.ljust(17)}{command.get_short_help_str(limit=200)}\n" in listed, name
