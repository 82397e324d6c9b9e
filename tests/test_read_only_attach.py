"""
Read-only sessions open no other database file: ATTACH and VACUUM INTO create nothing anywhere.

SQLite opens an attached file with the connection's own flags (read-write, create), whatever
`mode=ro` says for the main file, so an ATTACH through a read-only session would create the file.

"""

import pytest
from sqlalchemy import text

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import ReadOnlyDataSetError
from tests.support.fixtures import CityStore, Geography
from tests.support.graphs import folder_snapshot, make_graph


@pytest.fixture
def target(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    "statement",
    [
        "ATTACH DATABASE '{target}/attached.db' AS other",
        "ATTACH 'file:{target}/attached.db?mode=rwc' AS other",
        "ATTACH ':memory:' AS other",
        "VACUUM INTO '{target}/copy.db'",
    ],
    ids=["attach", "attach-uri-rwc", "attach-memory", "vacuum-into"],
)
def test_read_only_session_refuses_to_open_other_files(artifact, target, statement):
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=True)
    before = folder_snapshot(artifact.parent), folder_snapshot(target)
    with Geography.new_context(graph) as context:
        with pytest.raises(
            ReadOnlyDataSetError,
            match=rf"dataset 'Geography' \({artifact}\): cannot open another database file \(ATTACH, VACUUM INTO\): "
            "the dataset is read-only",
        ):
            context.session.execute(text(statement.format(target=target)))
    # The session still reads after the refusal.
    with Geography.new_context(graph):
        assert CityStore().count() == 6
    dispose_sqlite_connections(graph)
    assert (folder_snapshot(artifact.parent), folder_snapshot(target)) == before
