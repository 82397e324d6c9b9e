"""
Progress on the commands that can take more than a second (`dump`, `verify`, `diff`): a bar on
standard error when it is a terminal, nothing at all when it is not (a pipe, a CI log).

"""

import pytest

from tests.support.building import build_geography
from tests.support.cli import run_on_terminal, run_script


@pytest.fixture
def artifact(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    return path


def commands(artifact):
    return {
        "dump": (["dump", artifact, "city"], "dump city"),
        "verify": (["verify", artifact], "verify geography.db"),
        "diff": (["diff", artifact, artifact], "diff geography.db geography.db"),
    }


@pytest.mark.parametrize("name", ["dump", "verify", "diff"])
def test_a_bar_on_a_terminal_and_nothing_in_a_pipe(artifact, name):
    command, bar = commands(artifact)[name]

    shown = run_on_terminal(*command, terminal=("stderr",))
    piped = run_script(*command)

    assert shown.returncode == piped.returncode == 0, piped.stderr
    assert bar in shown.stderr
    assert piped.stderr == ""
    # The bar is only on standard error: what the command prints is the same either way.
    assert shown.stdout.replace("\r\n", "\n") == piped.stdout


def test_no_bar_cuts_through_a_table_dump_prints_on_the_same_terminal(artifact):
    shown = run_on_terminal("dump", artifact, "city", terminal=("stdout", "stderr"))

    assert shown.returncode == 0
    assert "dump city" not in shown.stdout
    assert "│ 1  │ Paris   │ FR           │ 2100000    │ 48.85    │" in shown.stdout
