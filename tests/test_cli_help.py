import subprocess
import sys

from microcosm_sqlite.cli import main
from tests.cli import ROOT, run


def test_every_command_documents_itself_with_an_example():
    assert sorted(main.commands)  # the list below is derived, so an empty group would pass vacuously
    for name in sorted(main.commands):
        result = run(name, "--help")
        assert result.returncode == 0, (name, result.stderr)
        text = result.stdout
        assert text.startswith(f"Usage: microcosm-sqlite {name} "), name
        assert "Example:" in text, name
        example = text[text.index("Example:"):].splitlines()[1].strip()
        assert example.startswith(f"microcosm-sqlite {name} "), (name, example)


def test_the_group_lists_every_command():
    result = run("--help")

    assert result.returncode == 0
    listed = result.stdout[result.stdout.index("Commands:"):]
    for name in main.commands:
        assert f"\n  {name} " in listed


def test_python_dash_m_runs_the_same_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "microcosm_sqlite", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: microcosm-sqlite [OPTIONS] COMMAND")
    assert "inspect" in result.stdout


def test_an_unknown_command_is_a_usage_error():
    result = run("frobnicate")

    assert result.returncode == 2
    assert "No such command 'frobnicate'" in result.stderr
