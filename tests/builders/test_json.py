"""
JSON (an array of objects) and JSON Lines sources.

"""

import io

from tests.support.fixtures import City, Country
from tests.support.graphs import DATA, load_geography, stored_rows

EXPECTED = [(1, "Paris", "FR", 2100000, 48.85), (2, "Lyon", "FR", 520000, 45.76), (3, "Bern", "CH", None, 46.95)]


def test_a_json_array_of_objects(empty_graph):
    assert load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, DATA / "cities.json")) == {
        "country": 4,
        "city": 3,
    }

    assert stored_rows(empty_graph, "Geography", "city") == EXPECTED


def test_json_lines_skip_blank_lines(empty_graph):
    load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, DATA / "cities.jsonl"))

    assert stored_rows(empty_graph, "Geography", "city") == [
        (1, "Paris", "FR", 2100000, 48.85),
        (2, "Lyon", "FR", None, 45.76),
        (3, "Bern", "CH", 134000, 46.95),
    ]


def test_ndjson_is_json_lines(empty_graph, tmp_path):
    source = tmp_path / "countries.ndjson"
    source.write_text('\ufeff{"code": "FR", "name": "France", "continent": "EUROPE", "landlocked": "no"}\n')

    load_geography(empty_graph, (Country, source))

    assert stored_rows(empty_graph, "Geography", "country") == [("FR", "France", "EUROPE", 0)]


def test_a_file_object_format_comes_from_its_name(empty_graph):
    with open(DATA / "cities.json", encoding="utf-8") as cities:
        load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, cities))

    assert stored_rows(empty_graph, "Geography", "city") == EXPECTED


def test_an_empty_array_loads_nothing(empty_graph):
    assert load_geography(empty_graph, (City, io.StringIO("[]")), format="json") == {"city": 0}
