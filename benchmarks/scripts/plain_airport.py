"""The airport model in plain SQLAlchemy 2.x (no microcosm), for the plain-SQLAlchemy baselines."""

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Airport(Base):
    __tablename__ = "airport"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    iata: Mapped[str | None] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    city: Mapped[str] = mapped_column(String)
    country: Mapped[str] = mapped_column(String)
    region: Mapped[str] = mapped_column(String)
    timezone: Mapped[str] = mapped_column(String)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    elevation: Mapped[int] = mapped_column(Integer)


def values(a: Airport) -> tuple:
    """The same per-row work as `airports.values` does for the microcosm contenders."""
    return (a.id, a.code, a.iata, a.name, a.city, a.country, a.region, a.timezone, a.latitude, a.longitude, a.elevation)
