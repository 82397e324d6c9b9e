"""The example datasets as a service sees them: entry-point paths, read-only stores, the demo."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

import reference_data
from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import ReadOnlyDataSetError
from reference_data.airports import Airport, Airports, AirportStore
from reference_data.countries import Countries, CurrencyStore, SubdivisionStore
from reference_data.demo import create_graph
from reference_data.paths import AIRPORTS_ARTIFACT, COUNTRIES_ARTIFACT, airports_path
from tests.support.graphs import make_graph


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def graph():
    graph = create_graph()
    yield graph
    dispose_sqlite_connections(graph)


def test_the_entry_points_point_graphs_at_the_package_data_which_in_a_checkout_is_the_committed_artifacts():
    graph = make_graph()

    assert graph.sqlite["Airports"] == str(Path(reference_data.__file__).parent / "datasets" / "airports.db")
    assert Path(graph.sqlite["Airports"]).resolve() == AIRPORTS_ARTIFACT.resolve()
    assert Path(graph.sqlite["Countries"]).resolve() == COUNTRIES_ARTIFACT.resolve()


def test_config_paths_override_the_entry_points(tmp_path):
    graph = make_graph(paths={"Airports": str(tmp_path / "elsewhere.db")})

    assert graph.sqlite["Airports"] == str(tmp_path / "elsewhere.db")


def test_highest_airports_are_streamed_highest_first(graph):
    with Airports.new_context(graph):
        elevations = [airport.elevation_ft for airport in AirportStore().search(country_code="NP", highest_first=True)]

    assert len(elevations) > 10
    assert elevations == sorted(elevations, reverse=True)
    assert elevations[0] == 12000


def test_currencies_are_found_by_issuing_country(graph):
    with Countries.new_context(graph):
        found = [currency.alpha_3 for currency in CurrencyStore().search(country_codes={"CH", "ZA"})]

    # CHE and CHW are Swiss WIR funds codes, issued in Switzerland too.
    assert found == ["CHE", "CHF", "CHW", "ZAR"]


def test_subdivisions_keep_their_parent(graph):
    with Countries.new_context(graph):
        provinces = {s.code: s.parent_code for s in SubdivisionStore().search(country_code="FJ", type="Province")}

    assert len(provinces) == 14
    assert provinces["FJ-01"] == "FJ-W"


def test_the_read_only_artifacts_refuse_writes(graph):
    with Airports.new_context(graph) as context:
        context.session.add(Airport(icao="ZZZZ", name="x", country_code="CH", elevation_ft=0, latitude=0, longitude=0))

        with pytest.raises(ReadOnlyDataSetError):
            context.commit()


def test_the_demo_prints_its_queries_and_leaves_the_artifacts_untouched():
    before = digest(AIRPORTS_ARTIFACT), digest(COUNTRIES_ARTIFACT)

    completed = subprocess.run(
        [sys.executable, "-m", "reference_data.demo", "--country", "np", "--time-zone", "Africa/Johannesburg"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "120", "PATH": ""},
    )

    assert completed.returncode == 0, completed.stderr
    assert "The 10 highest airports of Nepal (NP)" in completed.stdout
    assert "│ VNLT │ LTG  │ Langtang Airport" in completed.stdout
    assert "│ FJ-01 │ Ba" in completed.stdout
    assert "│ ZAR      │ Rand" in completed.stdout
    # Search by words: an accent-folded query, then autocomplete.
    assert "Airports matching 'Zürich' (search, best first)" in completed.stdout
    assert "│ LSZH │ ZRH  │ Zurich Airport" in completed.stdout
    assert "Airports matching 'london heat' (autocomplete, best first)" in completed.stdout
    assert "│ EGLL │ LHR  │ London Heathrow Airport" in completed.stdout
    assert (digest(AIRPORTS_ARTIFACT), digest(COUNTRIES_ARTIFACT)) == before


def test_the_demo_reports_an_unknown_country_without_a_traceback():
    completed = subprocess.run(
        [sys.executable, "-m", "reference_data.demo", "--country", "QQ"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "120", "PATH": ""},
    )

    assert completed.returncode == 1
    assert "ModelNotFoundError" in completed.stdout
    assert "Traceback" not in completed.stderr


def test_the_demo_in_a_pipe_keeps_each_line_whole():
    completed = subprocess.run(
        [sys.executable, "-m", "reference_data.demo", "--country", "np"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "40", "PATH": ""},
    )

    assert completed.returncode == 0, completed.stderr
    # The path as the entry point gives it (inside the package), whole on its line.
    assert f"Airports: {airports_path(None)}" in completed.stdout.splitlines()
    assert any(line.startswith("│ VNLT │ LTG  │ Langtang Airport") for line in completed.stdout.splitlines())
