"""
A metadata table that is damaged or was written by another tool is a typed error wherever it is read:
at a read-only dataset's first use, by verify_artifact and check_artifact, by describe_artifact, and
on the command line as one line with exit status 1.

"""

import sqlite3

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifacts import check_artifact
from microcosm_sqlite.artifacts.inspect import describe_artifact
from microcosm_sqlite.artifacts.verify import verify_artifact
from microcosm_sqlite.errors import MalformedMetadataError
from tests.support.building import build_geography
from tests.support.cli import run
from tests.support.fixtures import CityStore, Geography
from tests.support.graphs import make_graph

TABLE = "_microcosm_sqlite_metadata"
HINT = "rebuild the artifact from its sources or restore it from source control"

#: How each damage is made, and what the error says is wrong.
DAMAGES = {
    "missing-row": (
        f"DELETE FROM {TABLE} WHERE key = 'sqlite_version'",
        "its metadata table is malformed (it has no 'sqlite_version' row)",
    ),
    "missing-fingerprint": (
        f"DELETE FROM {TABLE} WHERE key = 'schema_fingerprint'",
        "its metadata table is malformed (it has no 'schema_fingerprint' row)",
    ),
    "missing-tables-row": (
        f"DELETE FROM {TABLE} WHERE key = 'tables'",
        "its metadata table is malformed (it has no 'tables' row)",
    ),
    "not-json": (
        f"UPDATE {TABLE} SET value = '{{not json' WHERE key = 'tables'",
        "its metadata table is malformed ('tables' is not JSON)",
    ),
    "wrong-json": (
        f"UPDATE {TABLE} SET value = '[1, 2]' WHERE key = 'tables'",
        "its metadata table is malformed ('tables' is not an object of table names to row counts and hashes)",
    ),
    "wrong-entry": (
        f"""UPDATE {TABLE} SET value = '[{{"name": "city.csv"}}]' WHERE key = 'sources'""",
        "its metadata table is malformed ('sources' is not a list of sources with table, name and sha256)",
    ),
    "not-a-number": (
        f"UPDATE {TABLE} SET value = 'one' WHERE key = 'format_version'",
        "its metadata table is malformed ('format_version' is not a whole number: 'one')",
    ),
    "foreign-table": (
        f"DROP TABLE {TABLE}; CREATE TABLE {TABLE} (name TEXT, data BLOB); INSERT INTO {TABLE} VALUES ('a', 'b')",
        f"its table {TABLE} was not written by microcosm-sqlite (its columns are name, data; expected key, value)",
    ),
}


@pytest.fixture(params=sorted(DAMAGES))
def damaged(request, tmp_path):
    """A built artifact whose metadata table was damaged after the build, and the problem to report."""
    path = tmp_path / "geography.db"
    build_geography(path)
    statements, problem = DAMAGES[request.param]
    with sqlite3.connect(path) as connection:
        connection.executescript(statements)
    connection.close()
    return path, problem


def test_first_use_refuses_damaged_metadata(damaged):
    path, problem = damaged
    # The edit also changed the file's bytes, which the digest would refuse first: this is the
    # metadata check a file gets without a digest to vouch for it (check_digest off, or format 1).
    graph = make_graph(paths={"Geography": str(path)}, read_only=True, check_digest=False)
    with pytest.raises(MalformedMetadataError) as raised:
        with Geography.new_context(graph):
            CityStore().count()
    dispose_sqlite_connections(graph)
    assert str(raised.value) == f"dataset 'Geography' ({path}): {problem}; {HINT}"


def test_describe_artifact_refuses_damaged_metadata(damaged):
    path, problem = damaged
    # Read without models, the file belongs to no dataset: its path names it.
    with pytest.raises(MalformedMetadataError, match=rf"^{path}: "):
        describe_artifact(path)


@pytest.mark.parametrize("base", [None, Geography], ids=["without-models", "with-models"])
def test_verify_artifact_reports_damaged_metadata_as_one_failure(damaged, base):
    path, problem = damaged
    where = f"{path}" if base is None else f"dataset 'Geography' ({path})"

    verification = verify_artifact(path, base=base)

    # The hand edit changed the file's bytes too, so the digest (checked first) fails as well.
    assert verification.failures[-1] == f"{where}: {problem}; {HINT}"
    assert len(verification.failures) == 2 and "the file is damaged" in verification.failures[0]


def test_check_artifact_reports_damaged_metadata(damaged):
    path, problem = damaged

    assert check_artifact(path, Geography).problems == (problem,)


@pytest.mark.parametrize(
    "command, damage",
    [("inspect", "missing-row"), ("verify", "foreign-table"), ("verify-models", "not-json")],
)
def test_commands_report_damaged_metadata_in_one_line(tmp_path, command, damage):
    path = tmp_path / "geography.db"
    build_geography(path)
    statements, problem = DAMAGES[damage]
    with sqlite3.connect(path) as connection:
        connection.executescript(statements)
    connection.close()
    arguments = {"inspect": ["inspect", path], "verify": ["verify", path]}.get(
        command, ["verify", path, "--models", "tests.support.fixtures:Geography"]
    )

    result = run(*arguments)

    assert result.returncode == 1
    assert result.stdout == ""
    where = f"dataset 'Geography' ({path})" if command == "verify-models" else f"{path}"
    prefix = "Error:" if command == "inspect" else "FAILED"
    line = f"{prefix} {where}: {problem}; {HINT}"
    if command == "inspect":
        assert result.stderr == line + "\n"
    else:
        # verify also reports the digest the hand edit broke, each failure on one line.
        assert result.stderr.splitlines()[-1] == line
        assert "Traceback" not in result.stderr
