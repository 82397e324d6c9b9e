"""
The committed example artifacts against the upstream packages' own readers: every airport
`airportsdata.load()` returns, and pycountry's country, subdivision, currency and language counts.
Read the way a service reads them: paths from the entry points, read-only, through stores.

"""

import airportsdata
import pycountry
import pytest

from microcosm_sqlite import dispose_sqlite_connections
from reference_data.airports import Airport, AirportCountryStore, Airports, AirportStore, CodeStandard
from reference_data.countries import Countries, CountryStore, CurrencyStore, LanguageStore, SubdivisionStore
from reference_data.demo import create_graph


@pytest.fixture(scope="module")
def graph():
    graph = create_graph()
    yield graph
    dispose_sqlite_connections(graph)


@pytest.fixture
def airports(graph):
    with Airports.new_context(graph):
        yield


@pytest.fixture
def countries(graph):
    with Countries.new_context(graph):
        yield


def as_airportsdata(airport: Airport) -> dict:
    """An artifact row in airportsdata's shape: its field names, "" for unknown."""
    return {
        "icao": airport.icao,
        "iata": airport.iata or "",
        "name": airport.name,
        "city": airport.city or "",
        "subd": airport.subdivision or "",
        "country": airport.country_code,
        "elevation": airport.elevation_ft,
        "lat": airport.latitude,
        "lon": airport.longitude,
        "tz": airport.time_zone or "",
        "lid": airport.lid or "",
    }


def test_every_airport_airportsdata_loads_is_in_the_artifact_with_the_same_fields(airports):
    expected = airportsdata.load()

    actual = {airport.icao: as_airportsdata(airport) for airport in AirportStore().search()}

    assert len(actual) == len(expected)
    assert actual == expected


def test_every_airport_country_is_iso_except_the_listed_ones(airports):
    iso = {country.alpha_2 for country in pycountry.countries}
    used = {airport.country_code for airport in AirportStore().search()}

    non_iso = {country.code for country in AirportCountryStore().search(standard=CodeStandard.USER_ASSIGNED)}

    assert non_iso == used - iso == {"XK"}


def test_country_subdivision_currency_and_language_counts_equal_pycountrys(countries):
    assert CountryStore().count() == len(pycountry.countries)
    assert SubdivisionStore().count() == len(pycountry.subdivisions)
    assert CurrencyStore().count() == len(pycountry.currencies)
    assert LanguageStore().count() == len(pycountry.languages)


def test_countries_have_pycountrys_codes_and_names(countries):
    expected = {
        (c.alpha_2, c.alpha_3, c.numeric, c.name, getattr(c, "official_name", None)) for c in pycountry.countries
    }

    actual = {(c.alpha_2, c.alpha_3, c.numeric, c.name, c.official_name) for c in CountryStore().search()}

    assert actual == expected


def test_subdivisions_have_pycountrys_country_type_and_parent(countries):
    expected = {(s.code, s.country_code, s.name, s.type, s.parent_code) for s in pycountry.subdivisions}

    actual = {(s.code, s.country_code, s.name, s.type, s.parent_code) for s in SubdivisionStore().search()}

    assert actual == expected


def test_languages_have_pycountrys_scope_and_type(countries):
    expected = {(lang.alpha_3, lang.scope, lang.type) for lang in pycountry.languages}

    actual = {(lang.alpha_3, lang.scope.value, lang.type.value) for lang in LanguageStore().search()}

    assert actual == expected
