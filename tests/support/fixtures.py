"""
Models shared by the tests: a small geography dataset with a foreign key, an enum and a boolean.

"""

import enum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Time,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import relationship

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.models import IdentityMixin
from microcosm_sqlite.types import EnumType, Truthy

Geography = DataSet.create("Geography")


class Continent(enum.Enum):
    AFRICA = "af"
    EUROPE = "eu"
    NORTH_AMERICA = "na"


class Country(IdentityMixin, Geography):
    __tablename__ = "country"

    code = Column(String(2), primary_key=True)
    name = Column(String, nullable=False, unique=True)
    continent = Column(EnumType(Continent), nullable=False)
    landlocked = Column(Truthy, nullable=False, default=False)

    cities = relationship("City", back_populates="country")


class City(IdentityMixin, Geography):
    __tablename__ = "city"
    __table_args__ = (UniqueConstraint("country_code", "name"),)

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False, index=True)
    country_code = Column(String(2), ForeignKey("country.code"), nullable=False)
    population = Column(Integer)
    latitude = Column(Float)

    country = relationship(Country, back_populates="cities")


class CountryStore(Store):
    model_class = Country
    auto_filter_fields = (Country.continent, Country.landlocked, "name")


class CityStore(Store):
    model_class = City
    auto_filter_fields = (City.name, City.country_code)

    def _order_by(self, query, **kwargs):
        return query.order_by(City.id)


COUNTRIES = [
    dict(code="FR", name="France", continent=Continent.EUROPE, landlocked=False),
    dict(code="CH", name="Switzerland", continent=Continent.EUROPE, landlocked=True),
    dict(code="ML", name="Mali", continent=Continent.AFRICA, landlocked=True),
    dict(code="CA", name="Canada", continent=Continent.NORTH_AMERICA, landlocked=False),
]

CITIES = [
    dict(id=1, name="Paris", country_code="FR", population=2_100_000, latitude=48.85),
    dict(id=2, name="Lyon", country_code="FR", population=520_000, latitude=45.76),
    dict(id=3, name="Bern", country_code="CH", population=134_000, latitude=46.95),
    dict(id=4, name="Bamako", country_code="ML", population=2_700_000, latitude=12.64),
    dict(id=5, name="Toronto", country_code="CA", population=2_800_000, latitude=43.65),
    dict(id=6, name="Paris", country_code="CA", population=12_000, latitude=43.2),
]


# A catalogue with one column of every type the builders coerce.
Catalogue = DataSet.create("Catalogue")


class Colour(enum.Enum):
    RED = 1
    GREEN = 2


class Product(Catalogue):
    __tablename__ = "product"

    sku = Column(String, primary_key=True)
    name = Column(String, nullable=False)
    quantity = Column(Integer, nullable=False, default=0)
    price = Column(Float)
    exact_price = Column(Numeric(10, 2, asdecimal=False))
    available = Column(Boolean)
    featured = Column(Truthy, nullable=False, default=False)
    released = Column(Date)
    updated = Column(DateTime)
    opens = Column(Time)
    colour = Column(EnumType(Colour))
    attributes = Column(JSON)
    token = Column(Uuid)
    note = Column(String, nullable=False, server_default="none")


class Tag(Catalogue):
    __tablename__ = "tag"

    id = Column(Integer, primary_key=True)
    sku = Column(String, ForeignKey("product.sku"), nullable=False)
    label = Column(String, nullable=False)
