"""
Staging: the upstream files reshaped into one JSON Lines file per table, ready for the builders.

Rows keep their source order, so a builder's "record N" of a staged file is record N of the
upstream file it came from.

"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_data import rows
from reference_data.airports import Airport, AirportCountry, Airports
from reference_data.countries import Countries, Country, Currency, Language, Subdivision
from reference_data.paths import AIRPORTS_ARTIFACT, COUNTRIES_ARTIFACT
from reference_data.sources import NON_ISO_COUNTRY_CODES

Sources = list[tuple[Any, Path]]


@dataclass(frozen=True)
class ExampleDataSet:
    """
    One example dataset: its declarative base, its committed artifact, its upstream files (with the
    table each mainly feeds, for the artifact's source hashes) and how to stage them.

    """

    name: str
    base: Any
    artifact: Path
    upstream: tuple[tuple[Any, str], ...]
    stage: Callable[[Path, Path], Sources]

    def upstream_sources(self, sources_dir: Path) -> Sources:
        """The upstream files as artifact sources: what the artifact records and CI checks."""
        return [(model, sources_dir / name) for model, name in self.upstream]


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    """Write records as JSON Lines (UTF-8, one object per line, keys in column order)."""
    with path.open("w", encoding="utf-8", newline="\n") as staged:
        for record in records:
            staged.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            staged.write("\n")
    return path


def stage_airports(sources_dir: Path, staging_dir: Path) -> Sources:
    """Stage airports.csv and the country codes it may use."""

    def source(name: str) -> rows.Source:
        return rows.Source(Airports.__name__, sources_dir / name)

    countries = list(rows.airport_country_rows(source("iso3166-1.json"), source(NON_ISO_COUNTRY_CODES)))
    airports = rows.airport_rows(source("airports.csv"), {country["code"] for country in countries})
    return [
        (AirportCountry, write_jsonl(staging_dir / "country.jsonl", countries)),
        (Airport, write_jsonl(staging_dir / "airport.jsonl", airports)),
    ]


def stage_countries(sources_dir: Path, staging_dir: Path) -> Sources:
    """Stage pycountry's ISO 3166-1, 3166-2, 4217 and 639-3 files."""

    def source(name: str) -> rows.Source:
        return rows.Source(Countries.__name__, sources_dir / name)

    countries = list(rows.country_rows(source("iso3166-1.json")))
    currencies = rows.currency_rows(source("iso4217.json"), {country["alpha_2"] for country in countries})
    return [
        (Country, write_jsonl(staging_dir / "country.jsonl", countries)),
        (Subdivision, write_jsonl(staging_dir / "subdivision.jsonl", rows.subdivision_rows(source("iso3166-2.json")))),
        (Currency, write_jsonl(staging_dir / "currency.jsonl", currencies)),
        (Language, write_jsonl(staging_dir / "language.jsonl", rows.language_rows(source("iso639-3.json")))),
    ]


AIRPORTS = ExampleDataSet(
    "Airports",
    Airports,
    AIRPORTS_ARTIFACT,
    upstream=(
        (AirportCountry, "iso3166-1.json"),
        (AirportCountry, NON_ISO_COUNTRY_CODES),
        (Airport, "airports.csv"),
    ),
    stage=stage_airports,
)
COUNTRIES = ExampleDataSet(
    "Countries",
    Countries,
    COUNTRIES_ARTIFACT,
    upstream=(
        (Country, "iso3166-1.json"),
        (Subdivision, "iso3166-2.json"),
        (Currency, "iso4217.json"),
        (Language, "iso639-3.json"),
    ),
    stage=stage_countries,
)
EXAMPLE_DATA_SETS = (AIRPORTS, COUNTRIES)
