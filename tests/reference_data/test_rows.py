"""The example datasets' source reshaping (examples/reference_data), on small real files."""

import json

import pytest

from microcosm_sqlite.errors import (
    BadValueError,
    BrokenForeignKeyError,
    MalformedSourceError,
    MissingColumnError,
    MissingValueError,
)
from reference_data import rows
from reference_data.rows import Source
from reference_data.staging import stage_airports, stage_countries

AIRPORTS_HEADER = '"icao","iata","name","city","subd","country","elevation","lat","lon","tz","lid"\n'


def write_airports(path, *lines):
    path.write_text(AIRPORTS_HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return Source("Airports", path)


def write_iso(path, key, records):
    path.write_text(json.dumps({key: records}), encoding="utf-8")
    return Source("Countries", path)


def test_airport_rows_turn_empty_fields_into_null_and_numbers_into_floats(tmp_path):
    path = write_airports(
        tmp_path / "airports.csv",
        '"AGGH","HIR","Honiara International Airport","Honiara","Guadalcanal","SB",28,-9.428,160.054,"Pacific/Guadalcanal",""',
        '"NZSP","","Amundsen-Scott South Pole Station","","","AQ",9300.5,-90,0,"",""',
    )

    first, second = rows.airport_rows(path, {"SB", "AQ"})

    assert first == dict(
        icao="AGGH",
        iata="HIR",
        lid=None,
        name="Honiara International Airport",
        city="Honiara",
        subdivision="Guadalcanal",
        country_code="SB",
        elevation_ft=28.0,
        latitude=-9.428,
        longitude=160.054,
        time_zone="Pacific/Guadalcanal",
    )
    assert (second["iata"], second["city"], second["time_zone"], second["elevation_ft"]) == (None, None, None, 9300.5)


def test_an_airport_without_a_country_stops_the_build_naming_the_line(tmp_path):
    path = write_airports(
        tmp_path / "airports.csv",
        '"AGGH","HIR","Honiara","Honiara","Guadalcanal","SB",28,-9.4,160.0,"Pacific/Guadalcanal",""',
        '"AGGX","","Nowhere","","","",28,-9.4,160.0,"",""',
    )

    with pytest.raises(
        MissingValueError, match=r"^dataset 'Airports', airports.csv, line 3, column 'country': every airport has one"
    ):
        list(rows.airport_rows(path, {"SB"}))


def test_an_unparsable_elevation_names_the_column_and_value(tmp_path):
    path = write_airports(tmp_path / "airports.csv", '"AGGH","","Honiara","","","SB","high",-9.4,160.0,"",""')

    with pytest.raises(BadValueError, match=r"line 2, column 'elevation': 'high' is not a number"):
        list(rows.airport_rows(path, {"SB"}))


def test_an_airport_country_in_neither_iso_nor_the_non_iso_list_stops_the_build(tmp_path):
    path = write_airports(tmp_path / "airports.csv", '"ZZZZ","","Nowhere","","","ZZ",1,0,0,"",""')

    with pytest.raises(
        BrokenForeignKeyError, match=r"line 2, column 'country': 'ZZ' is neither an ISO 3166-1 code nor listed"
    ):
        list(rows.airport_rows(path, {"SB"}))


def test_a_missing_header_column_is_reported_before_any_row(tmp_path):
    path = tmp_path / "airports.csv"
    path.write_text('"icao","name"\n"AGGH","Honiara"\n', encoding="utf-8")

    with pytest.raises(
        MissingColumnError, match=r"line 1, column 'iata': the header lacks column\(s\) iata, city, subd"
    ):
        list(rows.airport_rows(Source("Airports", path), {"SB"}))


def test_airport_countries_are_iso_codes_then_the_listed_non_iso_codes(tmp_path):
    iso = write_iso(
        tmp_path / "iso3166-1.json",
        "3166-1",
        [
            {"alpha_2": "CH", "alpha_3": "CHE", "name": "Switzerland", "numeric": "756", "flag": "x"},
        ],
    )
    non_iso = Source("Airports", tmp_path / "non_iso.csv")
    non_iso.path.write_text('code,name,reason\nXK,Kosovo,"user-assigned"\n', encoding="utf-8")

    assert list(rows.airport_country_rows(iso, non_iso)) == [
        {"code": "CH", "name": "Switzerland", "standard": "ISO_3166_1"},
        {"code": "XK", "name": "Kosovo", "standard": "USER_ASSIGNED"},
    ]


def test_a_listed_non_iso_code_that_became_iso_stops_the_build(tmp_path):
    iso = write_iso(tmp_path / "iso3166-1.json", "3166-1", [{"alpha_2": "XK", "name": "Kosovo"}])
    non_iso = Source("Airports", tmp_path / "non_iso.csv")
    non_iso.path.write_text("code,name,reason\nXK,Kosovo,why\n", encoding="utf-8")

    with pytest.raises(
        BadValueError, match=r"non_iso.csv, line 2, column 'code': 'XK' is an ISO 3166-1 code now; remove it"
    ):
        list(rows.airport_country_rows(iso, non_iso))


def test_subdivisions_belong_to_the_country_their_code_starts_with(tmp_path):
    path = write_iso(
        tmp_path / "iso3166-2.json",
        "3166-2",
        [
            {"code": "AZ-NX", "name": "Naxçıvan", "type": "Autonomous republic"},
            {"code": "AZ-BAB", "name": "Babək", "type": "Rayon", "parent": "AZ-NX"},
        ],
    )

    assert list(rows.subdivision_rows(path)) == [
        {"code": "AZ-NX", "country_code": "AZ", "name": "Naxçıvan", "type": "Autonomous republic", "parent_code": None},
        {"code": "AZ-BAB", "country_code": "AZ", "name": "Babək", "type": "Rayon", "parent_code": "AZ-NX"},
    ]


def test_a_subdivision_code_without_a_country_prefix_is_an_error(tmp_path):
    path = write_iso(tmp_path / "iso3166-2.json", "3166-2", [{"code": "NX", "name": "x", "type": "y"}])

    with pytest.raises(BadValueError, match=r"iso3166-2.json, record 1, column 'code': subdivision code 'NX'"):
        list(rows.subdivision_rows(path))


def test_currencies_are_linked_to_the_country_their_code_starts_with_if_any(tmp_path):
    path = write_iso(
        tmp_path / "iso4217.json",
        "4217",
        [
            {"alpha_3": "CHF", "name": "Swiss Franc", "numeric": "756"},
            {"alpha_3": "EUR", "name": "Euro", "numeric": "978"},
            {"alpha_3": "XAF", "name": "CFA Franc BEAC", "numeric": "950"},
        ],
    )

    linked = {row["alpha_3"]: row["country_code"] for row in rows.currency_rows(path, {"CH", "FR"})}

    assert linked == {"CHF": "CH", "EUR": None, "XAF": None}


def test_language_scope_and_type_become_enum_names(tmp_path):
    path = write_iso(
        tmp_path / "iso639-3.json",
        "639-3",
        [
            {"alpha_3": "deu", "alpha_2": "de", "bibliographic": "ger", "name": "German", "scope": "I", "type": "L"},
            {"alpha_3": "ara", "alpha_2": "ar", "name": "Arabic", "scope": "M", "type": "L"},
        ],
    )

    german, arabic = rows.language_rows(path)

    assert (german["scope"], german["type"], german["bibliographic"]) == ("INDIVIDUAL", "LIVING", "ger")
    assert (arabic["scope"], arabic["bibliographic"]) == ("MACROLANGUAGE", None)


def test_an_unknown_language_scope_names_the_record_and_the_allowed_values(tmp_path):
    path = write_iso(
        tmp_path / "iso639-3.json",
        "639-3",
        [
            {"alpha_3": "deu", "name": "German", "scope": "I", "type": "L"},
            {"alpha_3": "xxx", "name": "X", "scope": "Q", "type": "L"},
        ],
    )

    with pytest.raises(BadValueError, match=r"record 2, column 'scope': 'Q' is not one of I, M, S"):
        list(rows.language_rows(path))


@pytest.mark.parametrize("content", ['[{"alpha_2": "CH"}]', '{"3166-2": []}', "{not json", '{"3166-1": ["CH"]}'])
def test_a_country_file_not_shaped_like_pycountrys_is_an_error(tmp_path, content):
    path = tmp_path / "iso3166-1.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(MalformedSourceError, match=r"^dataset 'Countries', iso3166-1.json"):
        list(rows.country_rows(Source("Countries", path)))


def test_a_missing_required_field_names_the_record(tmp_path):
    path = write_iso(tmp_path / "iso3166-1.json", "3166-1", [{"alpha_2": "CH", "alpha_3": "CHE", "numeric": "756"}])

    with pytest.raises(MissingValueError, match=r"record 1, column 'name': a non-empty string is required, found None"):
        list(rows.country_rows(path))


@pytest.mark.parametrize("stage", [stage_airports, stage_countries])
def test_staging_the_shipped_sources_twice_gives_identical_files(tmp_path, stage):
    from reference_data.paths import SOURCES_DIR

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = stage(SOURCES_DIR, tmp_path / "a")
    second = stage(SOURCES_DIR, tmp_path / "b")

    assert [model for model, _ in first] == [model for model, _ in second]
    assert [path.read_bytes() for _, path in first] == [path.read_bytes() for _, path in second]
