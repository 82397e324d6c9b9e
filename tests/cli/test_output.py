"""
Where `-o` writes: never onto a file the command reads, and into FIFOs, devices and symlinks as
`>` would (in place), never by replacing them.

"""

import os
import sqlite3
import stat
import subprocess
import threading

import pytest

from tests.support.building import build_geography
from tests.support.cli import ROOT, SCRIPT, run

STORE = "tests.support.fixtures:CityStore"
REFUSED = "is the artifact being read: writing there would replace it"


def clean_environment(**extra):
    """The environment without any configured dataset path, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if "__SQLITE__" not in key}
    env.pop("PYTHONPATH", None)
    return {**env, **extra}


def assert_refused(result, artifact, before):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    # A usage error: click's usage lines, then the one error line.
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        result.stderr.splitlines()[-1]
    ]
    assert REFUSED in result.stderr.splitlines()[-1]
    assert artifact.read_bytes() == before
    assert not artifact.is_symlink()


@pytest.fixture
def artifact(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    return path


def test_search_refuses_to_write_onto_the_artifact_named_by_path_or_a_symlink(tmp_path, artifact):
    before = artifact.read_bytes()
    link = tmp_path / "link.db"
    link.symlink_to(artifact)
    env = clean_environment()

    for path, output in ((artifact, link), (link, artifact)):
        result = run("search", STORE, "--path", path, "--format", "csv", "-o", output, env=env)
        assert_refused(result, artifact, before)
        assert link.is_symlink()


@pytest.mark.parametrize(
    "variable, graph_name, output_name",
    [
        ("MICROCOSM_SQLITE__SQLITE__PATHS__GEOGRAPHY", None, "geography.db"),
        ("MICROCOSM_SQLITE__SQLITE__PATHS__GEOGRAPHY", None, "link.db"),
        ("OTHER__SQLITE__PATHS__GEOGRAPHY", "other", "geography.db"),
        ("MICROCOSM_SQLITE__SQLITE__PATH", None, "geography.db"),  # the default, for datasets not in `paths`
    ],
)
def test_search_refuses_to_write_onto_the_artifact_configured_in_the_environment(
    tmp_path, artifact, variable, graph_name, output_name
):
    before = artifact.read_bytes()
    (tmp_path / "link.db").symlink_to(artifact)
    graph_option = ("--graph-name", graph_name) if graph_name else ()

    result = run(
        "search",
        STORE,
        *graph_option,
        "--format",
        "csv",
        "-o",
        tmp_path / output_name,
        env=clean_environment(**{variable: str(artifact)}),
    )

    assert_refused(result, artifact, before)


def test_search_refuses_to_write_onto_the_artifact_an_entry_point_names(tmp_path, artifact):
    """A `microcosm.sqlite` entry point of an installed distribution (on PYTHONPATH) names the file."""
    site = tmp_path / "site"
    dist_info = site / "geography_paths-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: geography-paths\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[microcosm.sqlite]\nGeography = geography_paths:path\n")
    (site / "geography_paths.py").write_text(f"def path(graph):\n    return {str(artifact)!r}\n")
    env = clean_environment(PYTHONPATH=str(site))
    before = artifact.read_bytes()

    # The entry point works: the same command without -o reads that artifact.
    found = run("search", STORE, "--filter", "country_code=CH", "--format", "csv", env=env)
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[1:] == ["3,Bern,CH,134000,46.95"]

    result = run("search", STORE, "--format", "csv", "-o", artifact, env=env)
    assert_refused(result, artifact, before)


def test_dump_refuses_to_write_onto_its_artifact_through_a_symlink(tmp_path, artifact):
    before = artifact.read_bytes()
    link = tmp_path / "link.db"
    link.symlink_to(artifact)

    for path, output in ((artifact, link), (link, artifact)):
        result = run("dump", path, "city", "-o", output)
        assert_refused(result, artifact, before)
        assert link.is_symlink()


def read_fifo(path, received):
    with open(path, "rb") as fifo:
        received.append(fifo.read())


@pytest.mark.parametrize(
    "command", [["dump", "{artifact}", "city"], ["search", STORE, "--path", "{artifact}", "--format", "csv"]]
)
def test_output_to_a_fifo_is_written_in_place(tmp_path, artifact, command):
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=read_fifo, args=(fifo, received), daemon=True)
    reader.start()

    result = run(*(part.format(artifact=artifact) for part in command), "-o", fifo)
    reader.join(timeout=30)

    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].decode().splitlines()[:2] == [
        "id,name,country_code,population,latitude",
        "1,Paris,FR,2100000,48.85",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["geography.db", "rows.fifo"]


def character_device_like(source: str, target):
    """A character device in tmp_path with the same major/minor numbers as `source` (needs root)."""
    try:
        os.mknod(target, stat.S_IFCHR | 0o666, os.stat(source).st_rdev)
    except PermissionError:
        pytest.fail("creating a device node needs root, as the tests run here")
    return target


def test_output_to_a_character_device_is_written_in_place(tmp_path, artifact):
    null = character_device_like("/dev/null", tmp_path / "null")

    result = run("dump", artifact, "city", "-o", null)

    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert os.lstat(null).st_rdev == os.stat("/dev/null").st_rdev
    assert sorted(path.name for path in tmp_path.iterdir()) == ["geography.db", "null"]


def test_output_to_a_full_device_is_one_line_and_leaves_the_device(tmp_path, artifact):
    full = character_device_like("/dev/full", tmp_path / "full")

    for command in (["dump", artifact, "city"], ["search", STORE, "--path", artifact]):
        result = run(*command, "-o", full)
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines() == [f"Error: cannot write {str(full)!r}: No space left on device"]
        assert stat.S_ISCHR(os.lstat(full).st_mode)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["full", "geography.db"]


def test_output_onto_a_symlink_writes_its_target_and_keeps_the_link(tmp_path, artifact):
    target = tmp_path / "out" / "city.csv"
    target.parent.mkdir()
    link = tmp_path / "city.csv"
    link.symlink_to(target)

    for _ in range(2):  # the target first missing, then replaced
        result = run("dump", artifact, "city", "-o", link)
        assert result.returncode == 0, result.stderr
        assert link.is_symlink() and os.readlink(link) == str(target)
        assert target.read_text().splitlines()[1] == "1,Paris,FR,2100000,48.85"
        assert sorted(path.name for path in target.parent.iterdir()) == ["city.csv"]


def run_with_umask(umask, *args):
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_output_files_get_the_mode_the_umask_gives(tmp_path, artifact, umask, mode):
    output = tmp_path / "city.csv"

    result = run_with_umask(umask, "dump", artifact, "city", "-o", output)

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(output).st_mode) == mode


def test_replacing_an_output_file_keeps_its_mode(tmp_path, artifact):
    output = tmp_path / "city.csv"
    output.write_text("old\n")
    output.chmod(0o600)

    result = run_with_umask(0o022, "dump", artifact, "city", "-o", output)

    assert result.returncode == 0, result.stderr
    assert output.read_text().startswith("id,name")
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600


def test_dump_to_a_full_standard_output_is_one_line(artifact):
    with open("/dev/full", "w") as full:  # only written to: the device stays as it is
        for command in (["dump", artifact, "city"], ["search", STORE, "--path", artifact], ["inspect", artifact]):
            result = subprocess.run(
                [str(SCRIPT), *map(str, command)], cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60
            )
            assert result.returncode == 1, (command, result.stderr)
            assert result.stderr.splitlines() == ["Error: cannot write to standard output: No space left on device"], (
                command
            )


def test_dump_into_a_closed_pipe_stops_quietly(tmp_path):
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, name TEXT)")
        connection.executemany("INSERT INTO row VALUES (?, ?)", ((i, f"row {i} " * 5) for i in range(20_000)))
    connection.close()

    # As `dump ... | head -1`: the reader takes one line and goes, while the dump still writes.
    process = subprocess.Popen(
        [str(SCRIPT), "dump", str(path), "row"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"id,name\r\n"
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert stderr == ""
