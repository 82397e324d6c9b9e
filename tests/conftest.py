"""
The fixtures every test folder shares; plain helpers live in tests/support/.

"""

from pathlib import Path

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from tests.support.fixtures import Geography
from tests.support.graphs import make_graph, write_geography


@pytest.fixture(scope="session")
def geography_artifact(tmp_path_factory) -> Path:
    return write_geography(tmp_path_factory.mktemp("artifact") / "geography.db")


@pytest.fixture
def artifact(tmp_path, geography_artifact) -> Path:
    """A private copy of the geography artifact, in a folder of its own."""
    path = tmp_path / "shipped" / "geography.db"
    path.parent.mkdir()
    path.write_bytes(geography_artifact.read_bytes())
    return path


@pytest.fixture
def read_only_graph(artifact):
    graph = make_graph(paths={"Geography": str(artifact)}, read_only=True)
    yield graph
    dispose_sqlite_connections(graph)


@pytest.fixture
def writable_graph(tmp_path):
    graph = make_graph(paths={"Geography": str(write_geography(tmp_path / "writable.db"))})
    yield graph
    dispose_sqlite_connections(graph)


@pytest.fixture
def empty_graph(tmp_path):
    """A writable graph whose Geography and Catalogue files have the schema and no rows."""
    from tests.support.fixtures import Catalogue

    graph = make_graph(paths={"Geography": str(tmp_path / "geography.db"), "Catalogue": str(tmp_path / "catalogue.db")})
    Geography.create_all(graph)
    Catalogue.create_all(graph)
    yield graph
    dispose_sqlite_connections(graph)


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server, started once for the session and stopped at its end."""
    from tests.support.postgres import private_server

    with private_server() as server:
        yield server


@pytest.fixture(scope="module")
def postgres_url(request, postgres_server) -> str:
    """The URL of an empty database of this test module's own on the private server."""
    from tests.support.postgres import create_database

    return create_database(postgres_server, request.module.__name__.rsplit(".", 1)[-1])


#: The engines a read-only dataset is served from: its artifact file, or a PostgreSQL copy of it.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="module")
def published_geography(postgres_url, geography_artifact) -> str:
    """The geography artifact published on this module's database (read-only tests share it)."""
    from tests.support.postgres import publish_for_tests

    return publish_for_tests(geography_artifact, postgres_url, Geography)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def geography_location(request, backend, artifact) -> str:
    """Where the read-only geography dataset lives on this backend: the file, or a server URL."""
    if backend == "sqlite":
        return str(artifact)
    return request.getfixturevalue("published_geography")


@pytest.fixture
def backend_graph(geography_location):
    """A read-only graph on the geography dataset, served by each backend in turn."""
    graph = make_graph(paths={"Geography": geography_location}, read_only=True)
    yield graph
    dispose_sqlite_connections(graph)
