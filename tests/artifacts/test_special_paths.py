"""
Artifact paths that are not readable regular files: FIFOs, sockets, devices, unreadable files.

Opening a FIFO for reading blocks until a writer appears, so such paths must be refused from their
stat alone. Everything that could hang runs in a subprocess with a timeout: a hang fails the test
instead of hanging the suite.

The tests run as root, which reads any file whatever its mode. To get a real "permission denied",
the unreadable-file tests run their subprocess without the capabilities that let root ignore file
modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): a file of mode 000 is then unreadable even to its
owner, as it is to any other user.

"""

import ctypes
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from microcosm_sqlite.errors import NotAnArtifactError
from tests.support.building import build_geography
from tests.support.cli import ROOT, SCRIPT
from tests.support.fixtures import City, CityStore, Country, Geography
from tests.support.graphs import make_graph

TIMEOUT = 60

#: First use of a read-only Geography dataset at argv[1]: prints the error's class and message.
FIRST_USE = """
import sys
from tests.support.building import build_geography
from tests.support.graphs import make_graph
from tests.support.fixtures import City, CityStore, Country, Geography
from microcosm_sqlite.errors import SQLiteError

graph = make_graph(paths={"Geography": sys.argv[1]}, read_only=True)
try:
    with Geography.new_context(graph):
        print(CityStore().count())
except SQLiteError as error:
    print(f"{type(error).__name__}: {error}")
"""

#: First use, then the file loses its read permission, then a new connection (after a dispose).
USE_AFTER_CHMOD = """
import os, sys
from tests.support.building import build_geography
from tests.support.graphs import make_graph
from tests.support.fixtures import City, CityStore, Country, Geography
from microcosm_sqlite.errors import SQLiteError

graph = make_graph(paths={"Geography": sys.argv[1]}, read_only=True)
with Geography.new_context(graph):
    print(CityStore().count())
os.chmod(sys.argv[1], 0)
graph.sqlite("Geography").engine.pool.dispose()
try:
    with Geography.new_context(graph):
        print(CityStore().count())
except SQLiteError as error:
    print(f"{type(error).__name__}: {error}")
"""

# linux/prctl.h and linux/capability.h
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2


def without_root_file_access() -> None:
    """
    In the child before exec: drop the capabilities that let root read files whatever their mode.

    Removed from the bounding set, they are not granted again at exec, so the command sees file
    modes as any other user does. An unprivileged run needs nothing dropped.

    """
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run(*command: object, restricted: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(map(str, command)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=without_root_file_access if restricted else None,
    )


def first_use(path: Path, restricted: bool = False) -> str:
    result = run(sys.executable, "-c", FIRST_USE, path, restricted=restricted)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def cli(command: str, path: Path, restricted: bool = False) -> subprocess.CompletedProcess[str]:
    arguments = {"inspect": [], "verify": [], "dump": ["city"]}[command]
    return run(SCRIPT, command, path, *arguments, restricted=restricted)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.db"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path):
    path = tmp_path / "socket.db"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen()
    yield path
    server.close()


@pytest.fixture(params=["fifo", "socket", "device"])
def special(request, tmp_path: Path) -> tuple[Path, str]:
    """A path that exists but is not a regular file, and what the error calls it."""
    if request.param == "fifo":
        return request.getfixturevalue("fifo"), "a FIFO (named pipe)"
    if request.param == "socket":
        return request.getfixturevalue("unix_socket"), "a socket"
    return Path(os.devnull), "a character device"


def test_first_use_of_a_fifo_fails_at_once(fifo):
    assert first_use(fifo) == (
        f"NotAnArtifactError: dataset 'Geography' ({fifo}): the path is a FIFO (named pipe), not an SQLite file; "
        "point config sqlite.paths.Geography (environment variable TEST__SQLITE__PATHS__GEOGRAPHY) "
        "at the artifact file itself"
    )


@pytest.mark.parametrize("special", ["socket", "device"], indirect=True)
def test_first_use_of_a_socket_or_device_is_not_an_artifact(special):
    path, what = special
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)
    with pytest.raises(
        NotAnArtifactError, match=rf"dataset 'Geography' \({path}\): the path is {what}, not an SQLite file"
    ):
        with Geography.new_context(graph):
            CityStore().count()


@pytest.mark.parametrize("command", ["inspect", "dump"])
def test_inspect_and_dump_refuse_special_files(special, command):
    path, what = special

    result = cli(command, path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"Error: {path}: the path is {what}, not an SQLite file; give the artifact file itself\n")


def test_verify_reports_each_special_file_as_one_failure(fifo, unix_socket):
    # One process checks them all, so a hang on any of them fails the test through the timeout.
    result = run(SCRIPT, "verify", fifo, unix_socket, os.devnull, fifo.with_name("missing.db"))

    assert result.returncode == 1
    assert result.stdout == ""
    hint = "give the artifact file itself"
    assert result.stderr.splitlines() == [
        f"FAILED {fifo}: the path is a FIFO (named pipe), not an SQLite file; {hint}",
        f"FAILED {unix_socket}: the path is a socket, not an SQLite file; {hint}",
        f"FAILED {os.devnull}: the path is a character device, not an SQLite file; {hint}",
        f"FAILED {fifo.with_name('missing.db')}: the artifact file does not exist; build it, or check the path",
    ]


@pytest.fixture
def unreadable(artifact: Path):
    """The geography artifact with mode 000: unreadable to anyone without root's privileges."""
    artifact.chmod(0)
    yield artifact
    artifact.chmod(0o644)


@pytest.fixture
def unsearchable(artifact: Path):
    """The geography artifact in a folder whose mode (600) forbids looking up names in it."""
    artifact.parent.chmod(0o600)
    yield artifact
    artifact.parent.chmod(0o755)


UNREADABLE = "the artifact file cannot be read: permission denied; give the service's user read access to the file"
UNSEARCHABLE = (
    "the artifact's folder cannot be searched: permission denied; "
    "give the service's user search (execute) access to every folder on the path"
)


def test_first_use_of_an_unreadable_file_says_permission_denied(unreadable):
    assert (
        first_use(unreadable, restricted=True)
        == f"UnreadableArtifactError: dataset 'Geography' ({unreadable}): {UNREADABLE}"
    )


def test_first_use_in_an_unsearchable_folder_says_permission_denied(unsearchable):
    assert first_use(unsearchable, restricted=True) == (
        f"UnreadableArtifactError: dataset 'Geography' ({unsearchable}): {UNSEARCHABLE}"
    )


def test_a_file_made_unreadable_after_first_use_says_permission_denied(artifact):
    result = run(sys.executable, "-c", USE_AFTER_CHMOD, artifact, restricted=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "6",
        f"UnreadableArtifactError: dataset 'Geography' ({artifact}): {UNREADABLE}",
    ]


@pytest.mark.parametrize("command", ["inspect", "verify", "dump"])
def test_commands_say_an_unreadable_file_cannot_be_read(unreadable, command):
    result = cli(command, unreadable, restricted=True)

    assert result.returncode == 1
    assert result.stdout == ""
    prefix = "FAILED" if command == "verify" else "Error:"
    # The command's user is told to give their own user access, not a service's.
    hint = UNREADABLE.replace("the service's user", "your user")
    assert result.stderr == f"{prefix} {unreadable}: {hint}\n"


def test_diff_refuses_a_fifo_on_either_side(fifo, artifact):
    # Both orders in one process: a hang on either fails the test through the timeout.
    script = (
        "import sys\n"
        "from microcosm_sqlite.artifacts.diff import diff_artifacts\n"
        "from microcosm_sqlite.errors import SQLiteError\n"
        "for a, b in ((sys.argv[1], sys.argv[2]), (sys.argv[2], sys.argv[1])):\n"
        "    try:\n"
        "        diff_artifacts(a, b)\n"
        "    except SQLiteError as error:\n"
        "        print(f'{type(error).__name__}: {error}')\n"
    )
    result = run(sys.executable, "-c", script, fifo, artifact)

    assert result.returncode == 0, result.stderr
    expected = (
        f"NotAnArtifactError: {fifo}: the path is a FIFO (named pipe), not an SQLite file; "
        "give the artifact file itself"
    )
    assert result.stdout.splitlines() == [expected, expected]


def test_verify_sources_reports_a_fifo_source_without_opening_it(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "country.csv").write_text("code,name\nFR,France\n")
    (sources / "city.csv").write_text("id,name\n1,Paris\n")
    path = tmp_path / "geography.db"
    build_geography(path, sources=[(Country, sources / "country.csv"), (City, sources / "city.csv")])
    (sources / "city.csv").unlink()
    os.mkfifo(sources / "city.csv")

    # Once with the folder (the recorded name is looked up in it), once with the file itself.
    result = run(
        SCRIPT,
        "verify",
        path,
        "--models",
        "tests.support.fixtures:Geography",
        "--sources",
        sources,
        "--sources",
        sources / "city.csv",
    )

    assert result.returncode == 1
    assert f"source {str(sources / 'city.csv')!r} is a FIFO (named pipe), not a regular file" in result.stderr
