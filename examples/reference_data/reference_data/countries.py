"""
The Countries dataset: ISO 3166-1 countries, ISO 3166-2 subdivisions, ISO 4217 currencies and
ISO 639-3 languages, as pycountry ships them.

Only one fact is derived rather than copied: `currency.country_code`. ISO 4217 forms the code of a
national currency from the issuing country's ISO 3166-1 alpha-2 code plus a letter (CHF, USD), so
the build links a currency to the country whose code starts it; currencies of no single country
(EUR, XAF, XDR, precious metals...) have NULL. pycountry has no list of the countries that *use*
a currency, so neither do we: it is the issuer, not every user.

"""

import enum
from collections.abc import Collection
from typing import Any

from sqlalchemy import Column, ForeignKey, String
from sqlalchemy.orm import Query

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.types import EnumType

Countries = DataSet.create("Countries")


class Country(Countries):
    __tablename__ = "country"
    # store.search(q="united king"): by any of the names, the short name counting most.
    __search__ = {"name": 10.0, "common_name": 8.0, "official_name": 5.0}

    alpha_2 = Column(String(2), primary_key=True)
    alpha_3 = Column(String(3), nullable=False, unique=True)
    # Text, not an integer: "004" is Afghanistan's code, leading zeros included.
    numeric = Column(String(3), nullable=False, unique=True)
    name = Column(String, nullable=False, unique=True)
    official_name = Column(String)
    common_name = Column(String)
    flag = Column(String, nullable=False)


class Subdivision(Countries):
    __tablename__ = "subdivision"
    __search__ = ("name",)

    code = Column(String(6), primary_key=True)
    country_code = Column(String(2), ForeignKey("country.alpha_2"), nullable=False, index=True)
    name = Column(String, nullable=False)
    # Not an enum: ISO 3166-2 has over a hundred types ("Canton", "Province"...) and adds more.
    type = Column(String, nullable=False)
    parent_code = Column(String(6), ForeignKey("subdivision.code"), index=True)


class Currency(Countries):
    __tablename__ = "currency"

    alpha_3 = Column(String(3), primary_key=True)
    numeric = Column(String(3), nullable=False, unique=True)
    name = Column(String, nullable=False)
    # The issuing country, derived from the code (see the module docstring); NULL if none.
    country_code = Column(String(2), ForeignKey("country.alpha_2"), index=True)


class LanguageScope(enum.Enum):
    """ISO 639-3 scope: the closed set of codes the standard defines."""

    INDIVIDUAL = "I"
    MACROLANGUAGE = "M"
    SPECIAL = "S"


class LanguageType(enum.Enum):
    """ISO 639-3 language type."""

    ANCIENT = "A"
    CONSTRUCTED = "C"
    EXTINCT = "E"
    HISTORICAL = "H"
    LIVING = "L"
    SPECIAL = "S"


class Language(Countries):
    __tablename__ = "language"

    alpha_3 = Column(String(3), primary_key=True)
    # ISO 639-1, for the languages that have one.
    alpha_2 = Column(String(2), unique=True)
    # ISO 639-2/B, where it differs from the alpha-3 code.
    bibliographic = Column(String(3))
    name = Column(String, nullable=False)
    inverted_name = Column(String)
    common_name = Column(String)
    scope = Column(EnumType(LanguageScope), nullable=False)
    type = Column(EnumType(LanguageType), nullable=False)


class CountryStore(Store):
    """Countries, optionally restricted to a collection of alpha-2 codes (`codes=`)."""

    model_class = Country
    auto_filter_fields = (Country.alpha_2, Country.alpha_3, Country.numeric)

    def _filter(self, query: Query[Any], codes: Collection[str] | None = None, **kwargs: Any) -> Query[Any]:
        if codes is not None:
            query = query.filter(Country.alpha_2.in_(sorted(codes)))
        return super()._filter(query, **kwargs)

    def _order_by(self, query: Query[Any], q: str | None = None, **kwargs: Any) -> Query[Any]:
        if q is not None:
            return query  # no order of ours: best match first
        return query.order_by(Country.alpha_2)


class SubdivisionStore(Store):
    model_class = Subdivision
    auto_filter_fields = (Subdivision.country_code, Subdivision.type, Subdivision.parent_code)

    def _order_by(self, query: Query[Any], q: str | None = None, **kwargs: Any) -> Query[Any]:
        if q is not None:
            return query  # no order of ours: best match first
        return query.order_by(Subdivision.code)


class CurrencyStore(Store):
    """Currencies, optionally those issued by a collection of countries (`country_codes=`)."""

    model_class = Currency
    auto_filter_fields = (Currency.alpha_3, Currency.country_code)

    def _filter(self, query: Query[Any], country_codes: Collection[str] | None = None, **kwargs: Any) -> Query[Any]:
        if country_codes is not None:
            query = query.filter(Currency.country_code.in_(sorted(country_codes)))
        return super()._filter(query, **kwargs)

    def _order_by(self, query: Query[Any], **kwargs: Any) -> Query[Any]:
        return query.order_by(Currency.country_code, Currency.alpha_3)


class LanguageStore(Store):
    model_class = Language
    auto_filter_fields = (Language.alpha_3, Language.alpha_2, Language.scope, Language.type)

    def _order_by(self, query: Query[Any], **kwargs: Any) -> Query[Any]:
        return query.order_by(Language.alpha_3)
