"""
Search by words on the shipped datasets, read-only as a service reads them: the rankings people
expect from the names they type.

"""

import hashlib

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifacts import publish_artifact
from reference_data.airports import Airports, AirportStore
from reference_data.countries import Countries, CountryStore, SubdivisionStore
from reference_data.demo import create_graph
from reference_data.paths import AIRPORTS_ARTIFACT, COUNTRIES_ARTIFACT
from tests.conftest import BACKENDS
from tests.search.test_store_search import HOSTILE
from tests.support.graphs import make_graph


@pytest.fixture(scope="module", params=BACKENDS)
def graph(request):
    """The shipped datasets as a service reads them: the artifacts, then their published PostgreSQL copies."""
    if request.param == "sqlite":
        graph = create_graph()
    else:
        url = request.getfixturevalue("postgres_url")
        publish_artifact(AIRPORTS_ARTIFACT, url, Airports)
        publish_artifact(COUNTRIES_ARTIFACT, url, Countries)
        graph = make_graph(paths={"Airports": url, "Countries": url}, read_only=True)
    with Airports.new_context(graph), Countries.new_context(graph):
        yield graph
    dispose_sqlite_connections(graph)


def icaos(q, **kwargs):
    return [airport.icao for airport in AirportStore().search(q=q, **kwargs)]


def test_heathrow_finds_london_heathrow_first(graph):
    assert icaos("heathrow")[0] == "EGLL"
    assert icaos("london heathrow") == ["EGLL"]
    assert icaos("LHR")[0] == "EGLL"
    assert icaos("egll") == ["EGLL"]


def test_zurich_finds_zurich_airport_first_with_or_without_its_accent(graph):
    assert icaos("zurich")[0] == "LSZH"
    assert icaos("Zürich")[0] == "LSZH"
    assert icaos("ZÜRICH", limit=3) == icaos("zurich", limit=3)


def test_sao_paulo_finds_the_sao_paulo_airports(graph):
    found = icaos("sao paulo")

    # Guarulhos, Congonhas and Campo de Marte serve São Paulo; "São Paulo Catarina" is named after
    # it (with its accent in the data). Those with scheduled service (an IATA code) come first.
    assert {"SBGR", "SBSP", "SBMT", "SBJH"} <= set(found)
    assert {"SBGR", "SBSP", "SBJH"} <= set(found[:4])
    assert icaos("São Paulo") == found


def test_words_combine_with_filters_and_pages(graph):
    in_gb = icaos("london", country_code="GB")

    assert in_gb[0] in {"EGLL", "EGKK", "EGLC", "EGSS", "EGGW"}
    assert all(airport.country_code == "GB" for airport in AirportStore().search(q="london", country_code="GB"))
    assert AirportStore().count(q="london", country_code="GB") == len(in_gb)
    pages = [icaos("london", country_code="GB", offset=offset, limit=4) for offset in range(0, len(in_gb), 4)]
    assert [icao for page in pages for icao in page] == in_gb


def test_prefix_search_completes_the_last_word(graph):
    assert "EGLL" in icaos("london heath", prefix=True)
    assert icaos("london heath") == []
    assert icaos("zur", prefix=True, limit=1) == ["LSZH"]


def test_countries_and_subdivisions_by_their_names(graph):
    assert [country.alpha_2 for country in CountryStore().search(q="united king", prefix=True)] == ["GB"]
    assert CountryStore().first(q="Côte d'Ivoire").alpha_2 == "CI"
    # Matched through the official name only.
    assert CountryStore().first(q="Hellenic").alpha_2 == "GR"
    assert "CH-ZH" in [subdivision.code for subdivision in SubdivisionStore().search(q="zurich")]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_words_never_fail_on_the_shipped_data(graph, q):
    found = icaos(q, limit=5)

    assert len(found) <= 5
    assert AirportStore().count(q=q) < 28_298


def test_searching_the_shipped_artifacts_leaves_them_byte_for_byte(graph):
    before = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (AIRPORTS_ARTIFACT, COUNTRIES_ARTIFACT)]

    icaos("heathrow")
    CountryStore().search(q="korea").all()

    assert [hashlib.sha256(path.read_bytes()).hexdigest() for path in (AIRPORTS_ARTIFACT, COUNTRIES_ARTIFACT)] == before
