"""
From the upstream files in `datasets/sources/` to the rows of the example models.

The upstream files are not shaped like tables: pycountry wraps each standard in a JSON object,
codes carry their parent's code as a prefix, enums are one-letter codes, and airports.csv writes
"unknown" as an empty string. Each function here reads one file and yields plain dicts keyed by
column name, in file order, with values the builders take as they are (str, float, None, enum
names). Problems in the files stop the build with an error naming the file and the record.

"""
import csv
import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from microcosm_sqlite.errors import SourceDataError

from reference_data.airports import CodeStandard
from reference_data.countries import LanguageScope, LanguageType

AIRPORT_COLUMNS = ("icao", "iata", "name", "city", "subd", "country", "elevation", "lat", "lon", "tz", "lid")
AIRPORT_REQUIRED = ("icao", "name", "country", "elevation", "lat", "lon")
NON_ISO_COLUMNS = ("code", "name", "reason")


def airport_rows(path: Path) -> Iterator[dict[str, Any]]:
    """airports.csv: one row per airport, empty fields as NULL, numbers as floats."""
    for line, record in _csv_records(path, AIRPORT_COLUMNS):
        for column in AIRPORT_REQUIRED:
            if not record[column]:
                raise _error(path, f"line {line}", f"column {column!r} is empty but every airport has one")
        yield {
            "icao": record["icao"],
            "iata": record["iata"] or None,
            "lid": record["lid"] or None,
            "name": record["name"],
            "city": record["city"] or None,
            "subdivision": record["subd"] or None,
            "country_code": record["country"],
            "elevation_ft": _float(path, line, "elevation", record["elevation"]),
            "latitude": _float(path, line, "lat", record["lat"]),
            "longitude": _float(path, line, "lon", record["lon"]),
            "time_zone": record["tz"] or None,
        }


def airport_country_rows(iso_path: Path, non_iso_path: Path) -> Iterator[dict[str, Any]]:
    """Every ISO 3166-1 code, then the hand-listed codes airportsdata uses outside it."""
    iso_codes = set()
    for record_number, record in _iso_records(iso_path, "3166-1"):
        code = _required(iso_path, record_number, record, "alpha_2")
        iso_codes.add(code)
        yield {"code": code, "name": _required(iso_path, record_number, record, "name"),
               "standard": CodeStandard.ISO_3166_1.name}
    for line, record in _csv_records(non_iso_path, NON_ISO_COLUMNS):
        if record["code"] in iso_codes:
            raise _error(
                non_iso_path, f"line {line}",
                f"{record['code']!r} is an ISO 3166-1 code now: remove it from this list",
            )
        yield {"code": record["code"], "name": record["name"], "standard": CodeStandard.USER_ASSIGNED.name}


def country_rows(path: Path) -> Iterator[dict[str, Any]]:
    """iso3166-1.json."""
    for record_number, record in _iso_records(path, "3166-1"):
        yield {
            "alpha_2": _required(path, record_number, record, "alpha_2"),
            "alpha_3": _required(path, record_number, record, "alpha_3"),
            "numeric": _required(path, record_number, record, "numeric"),
            "name": _required(path, record_number, record, "name"),
            "official_name": record.get("official_name"),
            "common_name": record.get("common_name"),
            "flag": _required(path, record_number, record, "flag"),
        }


def subdivision_rows(path: Path) -> Iterator[dict[str, Any]]:
    """iso3166-2.json: the country is the code's prefix ("CH-BE" is in "CH")."""
    for record_number, record in _iso_records(path, "3166-2"):
        code = _required(path, record_number, record, "code")
        country_code, dash, _ = code.partition("-")
        if not dash or len(country_code) != 2:
            raise _error(path, f"record {record_number}", f"subdivision code {code!r} does not start with 'CC-'")
        yield {
            "code": code,
            "country_code": country_code,
            "name": _required(path, record_number, record, "name"),
            "type": _required(path, record_number, record, "type"),
            "parent_code": record.get("parent"),
        }


def currency_rows(path: Path, country_codes: Collection[str]) -> Iterator[dict[str, Any]]:
    """iso4217.json, each currency linked to the country whose alpha-2 code starts its code."""
    for record_number, record in _iso_records(path, "4217"):
        alpha_3 = _required(path, record_number, record, "alpha_3")
        issuer = alpha_3[:2]
        yield {
            "alpha_3": alpha_3,
            "numeric": _required(path, record_number, record, "numeric"),
            "name": _required(path, record_number, record, "name"),
            "country_code": issuer if issuer in country_codes else None,
        }


def language_rows(path: Path) -> Iterator[dict[str, Any]]:
    """iso639-3.json, its one-letter scope and type codes as enum names."""
    for record_number, record in _iso_records(path, "639-3"):
        yield {
            "alpha_3": _required(path, record_number, record, "alpha_3"),
            "alpha_2": record.get("alpha_2"),
            "bibliographic": record.get("bibliographic"),
            "name": _required(path, record_number, record, "name"),
            "inverted_name": record.get("inverted_name"),
            "common_name": record.get("common_name"),
            "scope": _enum_name(path, record_number, record, "scope", LanguageScope),
            "type": _enum_name(path, record_number, record, "type", LanguageType),
        }


def country_codes(path: Path) -> set[str]:
    """The alpha-2 codes of iso3166-1.json."""
    return {row["alpha_2"] for row in country_rows(path)}


def _csv_records(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, record) for each data row, after checking the header has `columns`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as source:
            reader = csv.DictReader(source)
            missing = [column for column in columns if column not in (reader.fieldnames or ())]
            if missing:
                raise _error(path, "line 1", f"the header lacks column(s) {', '.join(missing)}")
            for record in reader:
                if None in record.values() or None in record:
                    raise _error(path, f"line {reader.line_num}", "the row has a different number of fields than the header")
                yield reader.line_num, record
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise _error(path, None, f"cannot read it as UTF-8 CSV ({error})") from None


def _iso_records(path: Path, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(record number from 1, record) of a pycountry file: {"<key>": [record, ...]}."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _error(path, None, f"cannot read it as UTF-8 JSON ({error})") from None
    records = document.get(key) if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise _error(path, None, f"expected an object with a list under {key!r}, as pycountry ships it")
    for record_number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise _error(path, f"record {record_number}", f"expected an object, found {record!r}")
        yield record_number, record


def _required(path: Path, record_number: int, record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    if not isinstance(value, str) or not value:
        raise _error(path, f"record {record_number}", f"field {field!r} must be a non-empty string, found {value!r}")
    return value


def _enum_name(path: Path, record_number: int, record: dict[str, Any], field: str, enum_class: Any) -> str:
    value = _required(path, record_number, record, field)
    try:
        return str(enum_class(value).name)
    except ValueError:
        expected = ", ".join(member.value for member in enum_class)
        raise _error(
            path, f"record {record_number}", f"field {field!r} is {value!r}, not one of {expected}"
        ) from None


def _float(path: Path, line: int, column: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise _error(path, f"line {line}", f"column {column!r} is {value!r}, not a number") from None


def _error(path: Path, where: str | None, problem: str) -> SourceDataError:
    return SourceDataError(problem, source=path.name, where=where)
