"""
The airport model, written once against the microcosm-sqlite 2.0 API.

The same file is imported by our library and by the original 2.0 (each in its own interpreter):
the scripts that use it are the drop-in promise, run.

"""

from sqlalchemy import Column, Float, Integer, String

from microcosm_sqlite import DataSet, Store

Airports = DataSet.create("Airports")


class Airport(Airports):
    __tablename__ = "airport"

    id = Column(Integer, primary_key=True)
    code = Column(String, nullable=False, unique=True)
    iata = Column(String, nullable=True)
    name = Column(String, nullable=False)
    city = Column(String, nullable=False)
    country = Column(String, nullable=False)
    region = Column(String, nullable=False)
    timezone = Column(String, nullable=False)
    latitude = Column(Float, nullable=False)
    longitude = Column(Float, nullable=False)
    elevation = Column(Integer, nullable=False)


class AirportStore(Store):
    model_class = Airport
    auto_filter_fields = (Airport.id, Airport.code)


def values(airport: Airport) -> tuple:
    """An airport's column values, in `common.COLUMNS` order."""
    return (
        airport.id,
        airport.code,
        airport.iata,
        airport.name,
        airport.city,
        airport.country,
        airport.region,
        airport.timezone,
        airport.latitude,
        airport.longitude,
        airport.elevation,
    )


def create_graph(path: str, read_only: bool, **config):
    """A microcosm graph whose `Airports` dataset is the file at `path` (more `sqlite` config in `config`)."""
    from microcosm.api import create_object_graph, load_from_dict

    return create_object_graph(
        "bench",
        testing=True,
        loader=load_from_dict(sqlite=dict(paths={"Airports": path}, read_only=read_only, **config)),
    )
