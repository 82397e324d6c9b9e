import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifacts import publish_artifact
from tests.conftest import BACKENDS
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


@pytest.fixture(scope="module")
def published_places(postgres_url, places_db) -> str:
    """The Places artifact published on this module's database, as `publish` does it."""
    publish_artifact(places_db, postgres_url, Places)
    return postgres_url


@pytest.fixture(params=BACKENDS)
def places_anywhere(request, places_db):
    """`places`, served by each backend in turn: the artifact file, then its PostgreSQL copy; the backend."""
    location = str(places_db) if request.param == "sqlite" else request.getfixturevalue("published_places")
    graph = make_graph(paths={"Places": location}, read_only=True)
    with Places.new_context(graph):
        yield request.param
    dispose_sqlite_connections(graph)
