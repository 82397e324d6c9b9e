import pytest

from microcosm_sqlite import dispose_sqlite_connections
from tests.support.graphs import make_graph
from tests.support.places import Places, build_places


@pytest.fixture(scope="module")
def places_db(tmp_path_factory):
    """One Places artifact for the module's read-only queries (they never write it)."""
    return build_places(tmp_path_factory.mktemp("places"))


@pytest.fixture
def places(places_db):
    """A read-only graph on the Places artifact, with a session context open."""
    graph = make_graph(paths={"Places": str(places_db)}, read_only=True)
    with Places.new_context(graph):
        yield graph
    dispose_sqlite_connections(graph)
