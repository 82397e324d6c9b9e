import subprocess
import sys

from microcosm_sqlite.cli import COMMANDS, main
from tests.support.cli import ROOT, cli_runner, run, run_script


def test_every_command_documents_itself_with_an_example():
    assert sorted(COMMANDS) == [
        "build",
        "check-migration",
        "diff",
        "dump",
        "inspect",
        "migrate",
        "migrate-sql",
        "publish",
        "search",
        "textconv",
        "verify",
    ]
    runner = cli_runner()
    for name in COMMANDS:
        result = runner.invoke(main, [name, "--help"], prog_name="microcosm-sqlite")
        assert result.exit_code == 0, (name, result.output)
        text = result.output
        assert text.startswith(f"Usage: microcosm-sqlite {name} "), name
        assert "Example:" in text, name
        example = text[text.index("Example:") :].splitlines()[1].strip()
        assert example.startswith(f"microcosm-sqlite {name}"), (name, example)


def test_the_installed_script_lists_every_command():
    result = run_script("--help")

    assert result.returncode == 0
    listed = result.stdout[result.stdout.index("Commands:") :]
    for name in COMMANDS:
        assert f"\n  {name} " in listed
    assert "..." not in listed  # every short help fits


def test_python_dash_m_runs_the_same_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "microcosm_sqlite", "inspect", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: microcosm-sqlite inspect [OPTIONS] ARTIFACT")


def test_an_unknown_command_is_a_usage_error():
    result = run("frobnicate")

    assert result.returncode == 2
    assert "No such command 'frobnicate'" in result.stderr
