"""
From the upstream files in `datasets/sources/` to the rows of the example models.

The upstream files are not shaped like tables: pycountry wraps each standard in a JSON object,
codes carry their parent's code as a prefix, enums are one-letter codes, and airports.csv writes
"unknown" as an empty string. Each function here reads one file and yields plain dicts keyed by
column name, in file order, with values the builders take as they are (str, float, None, enum
names). Problems in the files stop the build with the builders' errors, naming the dataset, the
file, the line or record, the column and the value.

"""

import csv
import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microcosm_sqlite.errors import (
    BadValueError,
    BrokenForeignKeyError,
    BuildError,
    MalformedSourceError,
    MissingColumnError,
    MissingValueError,
)
from reference_data.airports import CodeStandard
from reference_data.countries import LanguageScope, LanguageType

AIRPORT_COLUMNS = ("icao", "iata", "name", "city", "subd", "country", "elevation", "lat", "lon", "tz", "lid")
AIRPORT_REQUIRED = ("icao", "name", "country", "elevation", "lat", "lon")
NON_ISO_COLUMNS = ("code", "name", "reason")


@dataclass(frozen=True)
class Source:
    """An upstream file being read for a dataset: where errors say they happened."""

    data_set: str
    path: Path

    def error(self, error_class: type[BuildError], problem: str, **where: Any) -> BuildError:
        return error_class(problem, data_set=self.data_set, source=self.path.name, **where)


def airport_rows(source: Source, countries: Collection[str]) -> Iterator[dict[str, Any]]:
    """airports.csv: one row per airport, empty fields as NULL, numbers as floats."""
    for line, record in _csv_records(source, AIRPORT_COLUMNS):
        for column in AIRPORT_REQUIRED:
            if not record[column]:
                raise source.error(MissingValueError, "every airport has one", line=line, column=column)
        if record["country"] not in countries:
            raise source.error(
                BrokenForeignKeyError,
                f"{record['country']!r} is neither an ISO 3166-1 code nor listed in non_iso_country_codes.csv",
                line=line,
                column="country",
                value=record["country"],
                hint="if it is a real code outside ISO 3166-1, list it there with a reason",
            )
        yield {
            "icao": record["icao"],
            "iata": record["iata"] or None,
            "lid": record["lid"] or None,
            "name": record["name"],
            "city": record["city"] or None,
            "subdivision": record["subd"] or None,
            "country_code": record["country"],
            "elevation_ft": _float(source, line, "elevation", record["elevation"]),
            "latitude": _float(source, line, "lat", record["lat"]),
            "longitude": _float(source, line, "lon", record["lon"]),
            "time_zone": record["tz"] or None,
        }


def airport_country_rows(iso: Source, non_iso: Source) -> Iterator[dict[str, Any]]:
    """Every ISO 3166-1 code, then the hand-listed codes airportsdata uses outside it."""
    iso_codes = set()
    for record_number, record in _iso_records(iso, "3166-1"):
        code = _required(iso, record_number, record, "alpha_2")
        iso_codes.add(code)
        yield {
            "code": code,
            "name": _required(iso, record_number, record, "name"),
            "standard": CodeStandard.ISO_3166_1.name,
        }
    for line, record in _csv_records(non_iso, NON_ISO_COLUMNS):
        if record["code"] in iso_codes:
            raise non_iso.error(
                BadValueError,
                f"{record['code']!r} is an ISO 3166-1 code now",
                line=line,
                column="code",
                value=record["code"],
                hint="remove it from this list",
            )
        yield {"code": record["code"], "name": record["name"], "standard": CodeStandard.USER_ASSIGNED.name}


def country_rows(source: Source) -> Iterator[dict[str, Any]]:
    """iso3166-1.json."""
    for record_number, record in _iso_records(source, "3166-1"):
        yield {
            "alpha_2": _required(source, record_number, record, "alpha_2"),
            "alpha_3": _required(source, record_number, record, "alpha_3"),
            "numeric": _required(source, record_number, record, "numeric"),
            "name": _required(source, record_number, record, "name"),
            "official_name": record.get("official_name"),
            "common_name": record.get("common_name"),
            "flag": _required(source, record_number, record, "flag"),
        }


def subdivision_rows(source: Source) -> Iterator[dict[str, Any]]:
    """iso3166-2.json: the country is the code's prefix ("CH-BE" is in "CH")."""
    for record_number, record in _iso_records(source, "3166-2"):
        code = _required(source, record_number, record, "code")
        country_code, dash, _ = code.partition("-")
        if not dash or len(country_code) != 2:
            raise source.error(
                BadValueError,
                f"subdivision code {code!r} does not start with a country code and '-'",
                record=record_number,
                column="code",
                value=code,
            )
        yield {
            "code": code,
            "country_code": country_code,
            "name": _required(source, record_number, record, "name"),
            "type": _required(source, record_number, record, "type"),
            "parent_code": record.get("parent"),
        }


def currency_rows(source: Source, country_codes: Collection[str]) -> Iterator[dict[str, Any]]:
    """iso4217.json, each currency linked to the country whose alpha-2 code starts its code."""
    for record_number, record in _iso_records(source, "4217"):
        alpha_3 = _required(source, record_number, record, "alpha_3")
        issuer = alpha_3[:2]
        yield {
            "alpha_3": alpha_3,
            "numeric": _required(source, record_number, record, "numeric"),
            "name": _required(source, record_number, record, "name"),
            "country_code": issuer if issuer in country_codes else None,
        }


def language_rows(source: Source) -> Iterator[dict[str, Any]]:
    """iso639-3.json, its one-letter scope and type codes as enum names."""
    for record_number, record in _iso_records(source, "639-3"):
        yield {
            "alpha_3": _required(source, record_number, record, "alpha_3"),
            "alpha_2": record.get("alpha_2"),
            "bibliographic": record.get("bibliographic"),
            "name": _required(source, record_number, record, "name"),
            "inverted_name": record.get("inverted_name"),
            "common_name": record.get("common_name"),
            "scope": _enum_name(source, record_number, record, "scope", LanguageScope),
            "type": _enum_name(source, record_number, record, "type", LanguageType),
        }


def _csv_records(source: Source, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, record) for each data row, after checking the header has `columns`."""
    try:
        with source.path.open(encoding="utf-8-sig", newline="") as lines:
            reader = csv.DictReader(lines)
            missing = [column for column in columns if column not in (reader.fieldnames or ())]
            if missing:
                raise source.error(
                    MissingColumnError, f"the header lacks column(s) {', '.join(missing)}", line=1, column=missing[0]
                )
            for record in reader:
                if None in record or None in record.values():
                    raise source.error(
                        MalformedSourceError,
                        "the row has a different number of fields than the header",
                        line=reader.line_num,
                    )
                yield reader.line_num, record
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise source.error(MalformedSourceError, f"cannot read it as UTF-8 CSV ({error})") from None


def _iso_records(source: Source, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(record number from 1, record) of a pycountry file: {"<key>": [record, ...]}."""
    try:
        document = json.loads(source.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise source.error(MalformedSourceError, f"cannot read it as UTF-8 JSON ({error})") from None
    records = document.get(key) if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise source.error(MalformedSourceError, f"expected an object with a list under {key!r}, as pycountry ships it")
    for record_number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise source.error(MalformedSourceError, f"expected an object, found {record!r}", record=record_number)
        yield record_number, record


def _required(source: Source, record_number: int, record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    if not isinstance(value, str) or not value:
        raise source.error(
            MissingValueError, f"a non-empty string is required, found {value!r}", record=record_number, column=field
        )
    return value


def _enum_name(source: Source, record_number: int, record: dict[str, Any], field: str, enum_class: Any) -> str:
    value = _required(source, record_number, record, field)
    try:
        return str(enum_class(value).name)
    except ValueError:
        expected = ", ".join(member.value for member in enum_class)
        raise source.error(
            BadValueError,
            f"{value!r} is not one of {expected}",
            record=record_number,
            column=field,
            value=value,
            expected=expected,
        ) from None


def _float(source: Source, line: int, column: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise source.error(
            BadValueError, f"{value!r} is not a number", line=line, column=column, value=value, expected="a number"
        ) from None
