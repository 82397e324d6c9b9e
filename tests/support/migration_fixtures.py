"""
Models for the migration tests: each call defines a fresh "Aerodromes" dataset, so a test can hold
the models before and after a change side by side (same dataset name, different metadata).

"""

import enum
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String

from microcosm_sqlite import DataSet, dispose_sqlite_connections
from microcosm_sqlite.cmd import migrate
from microcosm_sqlite.types import EnumType
from tests.support.graphs import make_graph


class Kind(enum.Enum):
    LARGE = 1
    SMALL = 2


def airports(elevation: bool = False, iata_length: int = 3) -> SimpleNamespace:
    """The Aerodromes models; `elevation` adds a column to the parent table `country`."""
    Aerodromes = DataSet.create("Aerodromes")

    class Country(Aerodromes):
        __tablename__ = "country"

        code = Column(String(2), primary_key=True)
        name = Column(String, nullable=False, unique=True)
        if elevation:
            elevation_m = Column(Integer)

    class Airport(Aerodromes):
        __tablename__ = "airport"

        iata = Column(String(iata_length), primary_key=True)
        name = Column(String, nullable=False, index=True)
        kind = Column(EnumType(Kind), nullable=False)
        country_code = Column(String(2), ForeignKey("country.code"), nullable=False)

    return SimpleNamespace(Base=Aerodromes, Country=Country, Airport=Airport)


def add_rows(graph, models) -> None:
    with models.Base.new_context(graph) as context:
        context.session.add(models.Country(code="FR", name="France"))
        # No relationship() tells the session that countries go first.
        context.session.flush()
        context.session.add_all(
            [
                models.Airport(iata="CDG", name="Charles de Gaulle", kind=Kind.LARGE, country_code="FR"),
                models.Airport(iata="LYS", name="Lyon", kind=Kind.SMALL, country_code="FR"),
            ]
        )
        context.commit()


def revisions(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.py"), key=lambda path: path.stat().st_mtime_ns)


class Project(SimpleNamespace):
    """A writable graph whose Aerodromes file and migrations folder live under tmp_path."""

    def migrate(self, models, *args: str, include_downgrade: bool = True) -> None:
        migrate.main(self.graph, models.Base, include_downgrade, *args)


@pytest.fixture
def project(tmp_path):
    migrations = tmp_path / "migrations"
    (migrations / "Aerodromes").mkdir(parents=True)
    db = tmp_path / "airports.db"
    graph = make_graph(paths={"Aerodromes": str(db)})
    graph.assign("sqlite_migrations_dir", str(migrations))
    yield Project(graph=graph, db=db, folder=migrations / "Aerodromes")
    dispose_sqlite_connections(graph)
