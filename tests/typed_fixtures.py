"""
A dataset with one column of every type the builders coerce, for dump and round-trip tests.

"""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, String

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.types import EnumType

Catalogue = DataSet.create("Catalogue")


class Colour(enum.Enum):
    RED = 1
    GREEN = 2


class Product(Catalogue):
    __tablename__ = "product"

    sku = Column(String, primary_key=True)
    name = Column(String, nullable=False)
    note = Column(String)
    price = Column(Float)
    quantity = Column(Integer)
    active = Column(Boolean)
    colour = Column(EnumType(Colour))
    released = Column(Date)
    updated = Column(DateTime)
    attributes = Column(JSON)


class ProductStore(Store):
    model_class = Product

    def _order_by(self, query, **kwargs):
        return query.order_by(Product.sku)


PRODUCTS = [
    dict(
        sku="007",
        name='Widget, "large"',
        note="two\nlines",
        price=0.1,
        quantity=-3,
        active=True,
        colour=Colour.RED,
        released=date(2024, 2, 29),
        updated=datetime(2024, 3, 1, 12, 30, 5, 250),
        attributes={"tags": ["a", "é"], "size": 2},
    ),
    dict(
        sku="010",
        name="Gadget",
        note=None,
        price=None,
        quantity=None,
        active=False,
        colour=None,
        released=None,
        updated=None,
        attributes="plain",
    ),
]
