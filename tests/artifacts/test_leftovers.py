"""
Temporary files of killed builds are removed by the next build of the same target and listed by
`verify`; those of a build still running are left alone. Real processes, killed for real.

"""

import signal
import subprocess
import sys
from pathlib import Path

from microcosm_sqlite.artifacts.verify import verify_artifact
from tests.support.building import build_geography, folder_names
from tests.support.cli import ROOT, run
from tests.support.fixtures import CITIES

TIMEOUT = 60

# A build that has written its temporary file, says so, then waits on stdin: until killed, or
# until stdin closes, when it finishes.
BUILD_SCRIPT = """
import sys
from microcosm_sqlite.artifacts import ArtifactBuild
from tests.support.fixtures import COUNTRIES, Country, Geography

with ArtifactBuild(sys.argv[1], Geography) as build:
    with build.engine.begin() as connection:
        connection.execute(Country.__table__.insert(), COUNTRIES)
    print("halfway", flush=True)
    sys.stdin.read()
"""


def start_build(target: Path) -> subprocess.Popen:
    """A build in another process, paused halfway with its temporary file written."""
    process = subprocess.Popen(
        [sys.executable, "-c", BUILD_SCRIPT, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout.readline() == "halfway\n"
    return process


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=TIMEOUT)
    process.stdin.close()
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL


def building(folder: Path) -> list[str]:
    return [name for name in folder_names(folder) if ".building" in name]


def test_the_next_build_removes_what_a_killed_build_left(tmp_path):
    target = tmp_path / "geography.db"
    left = []
    for _ in range(2):
        kill(start_build(target))
        left.append(building(tmp_path))
    # One leftover each time: the second build (another process) removed what the first left.
    assert [len(names) for names in left] == [1, 1] and left[0] != left[1]

    info = build_geography(target)

    assert info.tables["city"].rows == len(CITIES)
    assert folder_names(tmp_path) == ["geography.db"]


def test_a_running_build_keeps_its_temporary_file_and_finishes(tmp_path):
    target = tmp_path / "geography.db"
    running = start_build(target)
    try:
        theirs = building(tmp_path)
        assert len(theirs) == 1

        build_geography(target)
        assert building(tmp_path) == theirs

        # The running build still owns a whole file: let it finish, and its artifact lands.
        running.stdin.close()
        assert running.wait(timeout=TIMEOUT) == 0
    finally:
        if running.poll() is None:
            kill(running)
        running.stdout.close()
    assert folder_names(tmp_path) == ["geography.db"]
    assert verify_artifact(target).sound


def test_verify_lists_leftovers_beside_the_artifact(tmp_path):
    target = tmp_path / "geography.db"
    build_geography(target)
    kill(start_build(target))
    [leftover] = building(tmp_path)

    result = verify_artifact(target)

    # A leftover does not make the artifact unsound: it is listed, not failed.
    assert result.sound
    assert len(result.leftovers) == 1
    assert str(tmp_path / leftover) in result.leftovers[0]
    assert "killed" in result.leftovers[0]

    cli = run("verify", target)
    assert cli.returncode == 0, cli.stderr
    assert str(tmp_path / leftover) in cli.stderr

    # A running build (which removed that leftover as it started) beside a killed one.
    running = start_build(target)
    try:
        [theirs] = building(tmp_path)
        kill(start_build(target))
        listed = verify_artifact(target).leftovers
        assert len(listed) == 2
        [in_progress] = [line for line in listed if str(tmp_path / theirs) in line]
        assert "running" in in_progress
        [killed] = [line for line in listed if line != in_progress]
        assert "killed" in killed
    finally:
        kill(running)


def _reaped_pid() -> int:
    """The pid of a process that has exited and been waited for."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=TIMEOUT)
    return process.pid


def test_a_file_whose_lock_is_held_is_kept_even_if_its_pid_looks_dead(tmp_path):
    # As a build in another pid namespace (a container sharing the folder) would look.
    import fcntl
    import os

    target = tmp_path / "geography.db"
    theirs = tmp_path / f".geography.db.{_reaped_pid()}.abcd1234.building"
    theirs.write_bytes(b"half a build")
    descriptor = os.open(theirs, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        build_geography(target)
        assert theirs.exists()
        [listed] = verify_artifact(target).leftovers
        assert "running" in listed
    finally:
        os.close(descriptor)

    build_geography(target)
    assert folder_names(tmp_path) == ["geography.db"]


def test_files_named_by_earlier_versions_are_listed_but_never_removed(tmp_path):
    target = tmp_path / "geography.db"
    legacy = tmp_path / ".geography.db.abcd1234.building"
    legacy.write_bytes(b"half a build")

    build_geography(target)

    assert legacy.exists()
    [listed] = verify_artifact(target).leftovers
    assert str(legacy) in listed and "earlier" in listed


def test_a_leftover_the_build_cannot_open_is_kept_and_never_stops_the_build(tmp_path):
    # As another user's file would be (a root test process can open any regular file): whether
    # its build still runs cannot be told, so it stays.
    target = tmp_path / "geography.db"
    unopenable = tmp_path / f".geography.db.{_reaped_pid()}.abcd1234.building"
    unopenable.symlink_to(unopenable.name)  # a loop: open() fails with ELOOP

    build_geography(target)

    assert unopenable.is_symlink()
    [listed] = verify_artifact(target).leftovers
    assert str(unopenable) in listed
