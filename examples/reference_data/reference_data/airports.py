"""
The Airports dataset: every airport `airportsdata` knows, and the country codes they use.

Airports and countries are separate artifacts, and SQLite cannot enforce a foreign key across
files. So the airports artifact carries its own `country` table: every ISO 3166-1 code, plus the
few codes airportsdata uses outside ISO 3166-1 (listed by hand, with a reason, in
`datasets/sources/non_iso_country_codes.csv`). `airport.country_code` is a required foreign key to
it: an airport with a code in neither list stops the build instead of being dropped or given an
invented country, and `country.standard` says which codes are not ISO.

"""

import enum
from typing import Any

from sqlalchemy import Column, Float, ForeignKey, Index, String
from sqlalchemy.orm import Query, relationship

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.fulltext import search_rank
from microcosm_sqlite.types import EnumType

Airports = DataSet.create("Airports")


class CodeStandard(enum.Enum):
    """Where a country code comes from."""

    ISO_3166_1 = "ISO 3166-1 alpha-2"
    USER_ASSIGNED = "outside ISO 3166-1 (a user-assigned code such as XK for Kosovo)"


class AirportCountry(Airports):
    __tablename__ = "country"

    code = Column(String(2), primary_key=True)
    name = Column(String, nullable=False)
    standard = Column(EnumType(CodeStandard), nullable=False)


class Airport(Airports):
    """One airport; empty fields of airports.csv are NULL here."""

    __tablename__ = "airport"
    # Searchable by words: store.search(q="heathrow"). A word in the name or a code counts more
    # than one in the city, so "london" ranks the airports named London before those near it.
    __search__ = {"name": 10.0, "city": 5.0, "iata": 10.0, "icao": 10.0}
    __table_args__ = (
        # The demo's "highest airports of a country": an index scan, no sort.
        Index("ix_airport_country_code_elevation_ft", "country_code", "elevation_ft"),
    )

    icao = Column(String(4), primary_key=True)
    iata = Column(String(3), unique=True)
    # FAA location identifier for US airports, though airportsdata gives a few longer local codes
    # elsewhere ('TZ-0146'): no declared length, which PostgreSQL would enforce where SQLite does not.
    lid = Column(String, unique=True)
    name = Column(String, nullable=False)
    city = Column(String)
    subdivision = Column(String)
    country_code = Column(String(2), ForeignKey("country.code"), nullable=False)
    elevation_ft = Column(Float, nullable=False)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    # An IANA time zone name; NULL for Antarctica, where airportsdata gives none.
    time_zone = Column(String, index=True)

    country = relationship(AirportCountry, lazy="raise")


class AirportCountryStore(Store):
    model_class = AirportCountry
    auto_filter_fields = (AirportCountry.code, AirportCountry.standard)

    def _order_by(self, query: Query[Any], **kwargs: Any) -> Query[Any]:
        return query.order_by(AirportCountry.code)


class AirportStore(Store):
    """
    Airports by country, time zone, code or words.

    `search(country_code="NP", highest_first=True, limit=10)`: the ten highest airports of Nepal.
    `search(q="zurich")`: airports by name, city or code, best match first (accents folded);
    `search(q="heat", prefix=True)` for autocomplete.

    """

    model_class = Airport
    auto_filter_fields = (Airport.icao, Airport.iata, Airport.country_code, Airport.time_zone)

    def _order_by(
        self, query: Query[Any], highest_first: bool = False, q: str | None = None, **kwargs: Any
    ) -> Query[Any]:
        if highest_first:
            return query.order_by(Airport.elevation_ft.desc(), Airport.icao)
        if q is not None:
            # Airports with scheduled service (an IATA code) first, then best match first: bm25
            # alone puts Texas's "Heathrow Airport" (TE17) before London's "London Heathrow Airport".
            return query.order_by(Airport.iata.is_(None), search_rank(Airport), Airport.icao)
        return query.order_by(Airport.icao)
