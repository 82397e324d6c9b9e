"""
Errors on the command line speak to its user: hints name the options they can pass, files read
without models are named by their path (never by a dataset made up from the file name), and
writing to a full disk or a closed pipe ends in one line, not a traceback.

"""

import os
import subprocess

import pytest

from tests.support.building import build_geography
from tests.support.cli import ROOT, SCRIPT, run

STORE = "tests.support.fixtures:CityStore"


def clean_environment(**extra):
    """The environment without any configured dataset path, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if "__SQLITE__" not in key}
    return {**env, **extra}


def test_search_of_a_missing_file_names_the_path_option(tmp_path):
    missing = tmp_path / "geography.db"

    result = run("search", STORE, "--path", missing)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: dataset 'Geography' ({missing}): the artifact file does not exist; "
        "build it, or point --path at the shipped file"
    ]


def test_search_of_a_directory_names_the_path_option(tmp_path):
    result = run("search", STORE, "--path", tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].endswith("point --path at the artifact file itself")
    assert "config" not in result.stderr


def test_search_without_a_path_names_the_option_and_the_real_environment_variable(tmp_path):
    default = run("search", STORE, env=clean_environment())
    named = run("search", STORE, "--graph-name", "my-tool", env=clean_environment())

    assert default.returncode == 1
    assert default.stderr.splitlines()[-1] == (
        "Error: dataset 'Geography': no path is configured and a read-only dataset cannot be an empty "
        "in-memory database; pass --path, or set the environment variable "
        "MICROCOSM_SQLITE__SQLITE__PATHS__GEOGRAPHY, or declare a 'microcosm.sqlite' entry point named 'Geography'"
    )
    assert named.returncode == 1
    assert "set the environment variable MY_TOOL__SQLITE__PATHS__GEOGRAPHY," in named.stderr
    assert "<NAME>" not in default.stderr + named.stderr


def test_the_environment_variable_a_hint_names_is_the_one_that_works(tmp_path):
    build_geography(tmp_path / "geography.db")
    failed = run("search", STORE, "--graph-name", "my-tool", "--format", "csv", env=clean_environment())
    variable = failed.stderr.split("set the environment variable ")[1].split(",")[0]

    result = run(
        "search",
        STORE,
        "--graph-name",
        "my-tool",
        "--format",
        "csv",
        env=clean_environment(**{variable: str(tmp_path / "geography.db")}),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "id,name,country_code,population,latitude"


@pytest.mark.parametrize("command", ["inspect", "verify", "dump"])
def test_a_source_file_is_named_by_its_path_and_said_to_be_csv(tmp_path, command):
    (tmp_path / "sources").mkdir()
    source = tmp_path / "sources" / "authors.csv"
    source.write_text("id,name\n1,Ursula K. Le Guin\n")

    result = run(command, source, *(["author"] if command == "dump" else []))

    assert result.returncode == 1
    assert "dataset 'authors'" not in result.stderr
    line = result.stderr.splitlines()[-1]
    assert str(source) in line and "CSV" in line, line
    assert "config" not in line


def test_a_missing_file_given_as_an_argument_invents_no_dataset(tmp_path):
    missing = tmp_path / "missing.db"

    for command in (["inspect", missing], ["dump", missing, "city"], ["verify", missing]):
        result = run(*command)
        assert result.returncode == 1
        assert "dataset 'missing'" not in result.stderr
        assert "config" not in result.stderr
        assert f"{missing}: the artifact file does not exist; build it, or check the path" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["inspect", "--help"]])
def test_help_to_a_full_disk_is_one_line(args):
    with open("/dev/full", "w") as full:  # only written to: the device stays as it is
        result = subprocess.run(
            [str(SCRIPT), *args], cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60
        )

    assert result.returncode == 1
    assert result.stderr.splitlines() == ["Error: cannot write to standard output: No space left on device"]


@pytest.mark.parametrize("output_format", ["table", "csv", "jsonl"])
def test_search_into_a_pipe_closed_early_ends_without_a_traceback(tmp_path, output_format):
    path = tmp_path / "geography.db"
    cities = [dict(id=index, name=f"City {index} " * 8, country_code="FR") for index in range(1, 5001)]
    build_geography(path, cities=cities)

    # As `search ... | head -1`: the reader takes one line and goes while the search still writes.
    process = subprocess.Popen(
        [str(SCRIPT), "search", STORE, "--path", str(path), "--limit", "5000", "--format", output_format],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    returncode = process.wait(timeout=60)

    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert returncode in (0, 1), stderr
