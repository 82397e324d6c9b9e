"""
The demo: the committed artifacts loaded read-only, the way a service would, and queried through
stores whose `search()` streams rows.

    python -m reference_data.demo [--country NP] [--subdivisions-of FJ] [--time-zone Africa/Johannesburg]
                                  [--words Zürich] [--prefix "london heat"]

Paths come from the `microcosm.sqlite` entry points this package declares (`Airports`,
`Countries`); `sqlite.read_only` is on, so the files are opened `mode=ro` and never written.

"""

import argparse
from collections.abc import Sequence
from typing import Any

from microcosm.api import create_object_graph, load_from_dict
from rich.console import Console
from rich.table import Table

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import SQLiteError
from reference_data.airports import AirportCountryStore, Airports, AirportStore
from reference_data.console import console as unwrapped_console
from reference_data.countries import Countries, CountryStore, CurrencyStore, SubdivisionStore


def create_graph() -> Any:
    """A microcosm graph reading the example datasets read-only, paths from the entry points."""
    return create_object_graph("reference_data_demo", loader=load_from_dict(sqlite=dict(read_only=True)))


def highest_airports(country_code: str, limit: int = 10) -> Table:
    country = AirportCountryStore().one(code=country_code)
    table = Table(title=f"The {limit} highest airports of {country.name} ({country.code})", title_justify="left")
    for column, justify in (
        ("ICAO", "left"),
        ("IATA", "left"),
        ("name", "left"),
        ("city", "left"),
        ("elevation (ft)", "right"),
    ):
        table.add_column(column, justify=justify)
    for airport in AirportStore().search(country_code=country_code, highest_first=True, limit=limit):
        table.add_row(
            airport.icao, airport.iata or "", airport.name, airport.city or "", f"{airport.elevation_ft:,.0f}"
        )
    return table


def subdivisions(country_code: str) -> Table:
    country = CountryStore().one(alpha_2=country_code)
    table = Table(title=f"Subdivisions of {country.name} (ISO 3166-2)", title_justify="left")
    for column in ("code", "name", "type", "parent"):
        table.add_column(column)
    for subdivision in SubdivisionStore().search(country_code=country_code):
        table.add_row(subdivision.code, subdivision.name, subdivision.type, subdivision.parent_code or "")
    return table


def currencies_in_time_zone(time_zone: str) -> Table:
    # Two artifacts, two stores: the airports stream gives the country codes, the countries
    # artifact the currencies those countries issue. Only the set of codes is held in memory.
    codes = {airport.country_code for airport in AirportStore().search(time_zone=time_zone)}
    names = {country.alpha_2: country.name for country in CountryStore().search(codes=codes)}
    table = Table(
        title=f"Currencies issued by the countries with airports in {time_zone}",
        caption=f"{len(codes)} countries: {', '.join(sorted(codes))}",
        # Left, as rich 13.0 and later agree on (centred under an unbounded width, they differ).
        caption_justify="left",
        title_justify="left",
    )
    for column in ("currency", "name", "numeric", "issued by"):
        table.add_column(column)
    for currency in CurrencyStore().search(country_codes=codes):
        table.add_row(currency.alpha_3, currency.name, currency.numeric, names.get(currency.country_code, ""))
    return table


def airports_by_words(q: str, prefix: bool = False, limit: int = 5) -> Table:
    # Search by words: accents folded, ranked best first (scheduled-service airports first, see
    # AirportStore), the last word completed as a prefix when asked (autocomplete).
    kind = "autocomplete" if prefix else "search"
    table = Table(title=f"Airports matching {q!r} ({kind}, best first)", title_justify="left")
    for column in ("ICAO", "IATA", "name", "city", "country"):
        table.add_column(column)
    for airport in AirportStore().search(q=q, prefix=prefix, limit=limit):
        table.add_row(airport.icao, airport.iata or "", airport.name, airport.city or "", airport.country_code)
    return table


def run(
    graph: Any,
    country: str,
    subdivisions_of: str,
    time_zone: str,
    console: Console,
    words: str = "Zürich",
    prefix: str = "london heat",
) -> None:
    with Airports.new_context(graph), Countries.new_context(graph):
        console.print(f"Airports: {graph.sqlite['Airports']}\nCountries: {graph.sqlite['Countries']}\n(read-only)")
        console.print(highest_airports(country))
        console.print(subdivisions(subdivisions_of))
        console.print(currencies_in_time_zone(time_zone))
        console.print(airports_by_words(words))
        console.print(airports_by_words(prefix, prefix=True))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip() if __doc__ else None)
    parser.add_argument("--country", default="NP", help="ISO 3166-1 alpha-2 code for the highest airports")
    parser.add_argument("--subdivisions-of", default="FJ", help="ISO 3166-1 alpha-2 code whose subdivisions to list")
    parser.add_argument("--time-zone", default="Africa/Johannesburg", help="IANA time zone of the airports")
    parser.add_argument("--words", default="Zürich", help="words to search airports by (accents folded)")
    parser.add_argument("--prefix", default="london heat", help="words whose last one is completed (autocomplete)")
    arguments = parser.parse_args(argv)
    console = unwrapped_console()
    graph = create_graph()
    try:
        run(
            graph,
            arguments.country.upper(),
            arguments.subdivisions_of.upper(),
            arguments.time_zone,
            console,
            arguments.words,
            arguments.prefix,
        )
    except SQLiteError as error:
        console.print(f"[red]{type(error).__name__}[/]: {error}")
        return 1
    finally:
        dispose_sqlite_connections(graph)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
