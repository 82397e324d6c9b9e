"""
A small searchable dataset for the search-by-words tests: places whose names carry accents,
quotes and words that are FTS5 keywords, built from a real CSV file into a real artifact.

"""

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import Query

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.artifacts import build_artifact

Places = DataSet.create("Places")


class Place(Places):
    __tablename__ = "place"
    # Name first and heaviest: a word in the name counts ten times one in the city.
    __search__ = {"name": 10.0, "city": 5.0, "code": 1.0}

    code = Column(String(8), primary_key=True)
    name = Column(String, nullable=False)
    city = Column(String)
    country = Column(String(2), nullable=False)
    population = Column(Integer, nullable=False)


class PlaceStore(Store):
    model_class = Place
    auto_filter_fields = (Place.country, Place.code)


class PlaceByPopulationStore(Store):
    """A store that orders explicitly: its order wins over rank."""

    model_class = Place
    auto_filter_fields = (Place.country,)

    def _order_by(self, query: Query[Any], **kwargs: Any) -> Query[Any]:
        return query.order_by(Place.population.desc(), Place.code)


#: code, name, city, country, population
PLACES = [
    ("ZRH", "Zürich Airport", "Zürich", "CH", 30),
    ("ZHB", "Zürich Hauptbahnhof", "Zürich", "CH", 40),
    ("LHR", "London Heathrow Airport", "London", "GB", 80),
    ("LGW", "London Gatwick Airport", "London", "GB", 45),
    ("HTH", "Heath Row Farm", "Heathfield", "GB", 1),
    ("GRU", "São Paulo–Guarulhos International Airport", "São Paulo", "BR", 43),
    ("CGH", "Congonhas Airport", "São Paulo", "BR", 22),
    ("SDU", "Santos Dumont Airport", "Rio de Janeiro", "BR", 9),
    ("ORD", "O'Hare International Airport", "Chicago", "US", 84),
    ("NEA", "Near Island Seaplane Base", "Kodiak", "US", 2),
    ("ORX", "Or Yehuda Heliport", "Or Yehuda", "IL", 1),
    ("NOT", "Not Drop Table Field", "Tablelands", "AU", 3),
    ("QUO", 'The "Quoted" Strip', "Col", "FR", 1),
]


def write_places_csv(path: Path, rows: list[tuple[Any, ...]] = PLACES) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["code", "name", "city", "country", "population"])
        writer.writerows(rows)
    return path


def build_places(folder: Path, base: Any = Places, name: str = "places.db") -> Path:
    """Build a Places artifact from a CSV file in `folder`; its path."""
    source = write_places_csv(folder / "place.csv")
    target = folder / name
    model = next(mapper.class_ for mapper in base.registry.mappers if mapper.local_table.name == "place")
    build_artifact(target, base, [(model, source)])
    return target
