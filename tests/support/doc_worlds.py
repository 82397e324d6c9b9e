"""
What the documents' Python examples assume already exists: a graph, a dataset with rows, source
files. tests/test_docs.py runs one of these before the block whose prose assumes it.

"""

import shutil
from pathlib import Path
from typing import Any

from tests.support.graphs import DATA, make_graph


def planets(folder: Path, namespace: dict[str, Any]) -> None:
    """README: `graph` reads a planets.db holding the eight planets, for the `Planets` declared above."""
    Planet, Planets = namespace["Planet"], namespace["Planets"]
    path = folder / "planets.db"
    writer = make_graph(paths={"Planets": str(path)})
    Planets.create_all(writer)
    rows = [
        ("Mercury", "rocky", 2439.7),
        ("Venus", "rocky", 6051.8),
        ("Earth", "rocky", 6371.0),
        ("Mars", "rocky", 3389.5),
        ("Jupiter", "gas giant", 69911.0),
        ("Saturn", "gas giant", 58232.0),
        ("Uranus", "ice giant", 25362.0),
        ("Neptune", "ice giant", 24622.0),
    ]
    with Planets.new_context(writer) as context:
        context.session.add_all(
            [
                Planet(id=number, name=name, kind=kind, radius_km=radius)
                for number, (name, kind, radius) in enumerate(rows)
            ]
        )
        context.commit()
    Planets.dispose(writer)
    namespace["graph"] = make_graph(paths={"Planets": str(path)}, read_only=True)


def geography_sources(folder: Path, namespace: dict[str, Any]) -> None:
    """The Geography models of the tests, and its sources: sources/country.csv, city.csv and city.jsonl."""
    from tests.support import fixtures

    (folder / "sources").mkdir(exist_ok=True)
    shutil.copy(DATA / "countries.csv", folder / "sources" / "country.csv")
    shutil.copy(DATA / "cities.jsonl", folder / "sources" / "city.jsonl")
    shutil.copy(DATA / "cities.csv", folder / "sources" / "city.csv")
    (folder / "datasets").mkdir(exist_ok=True)
    namespace.update(Geography=fixtures.Geography, Country=fixtures.Country, City=fixtures.City)


def planets_migrations(folder: Path, namespace: dict[str, Any]) -> None:
    """README: a writable graph of Planets (`Base`) with its migrations in the scratch folder."""
    namespace["Base"] = namespace["Planets"]
    namespace["graph"] = make_graph(paths={"Planets": str(folder / "maintained.db")})
    namespace["graph"].assign("sqlite_migrations_dir", str(folder / "sqlite-migrations"))
    (folder / "sqlite-migrations" / "Planets").mkdir(parents=True)


def format_1_artifact(folder: Path, namespace: dict[str, Any]) -> None:
    """old.db: datasets/geography.db as format 1 wrote it: metadata, no digest."""
    import sqlite3

    shutil.copy(folder / "datasets" / "geography.db", folder / "old.db")
    connection = sqlite3.connect(folder / "old.db", isolation_level=None)
    connection.execute("DELETE FROM _microcosm_sqlite_metadata WHERE key = 'file_sha256'")
    connection.execute("UPDATE _microcosm_sqlite_metadata SET value = '1' WHERE key = 'format_version'")
    connection.execute("PRAGMA user_version = 1")
    connection.close()


def writable_geography(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/builders.md: `graph` writes geography.db; the Geography models and the build errors are imported."""
    from microcosm_sqlite.errors import BuildError
    from tests.support import fixtures

    namespace.update(
        graph=make_graph(paths={"Geography": str(folder / "geography.db")}),
        Geography=fixtures.Geography,
        Country=fixtures.Country,
        City=fixtures.City,
        BuildError=BuildError,
    )
    (folder / "cities.jsonl").write_text(
        '{"id": 1, "name": "Paris", "country_code": "FR", "population": 2100000}\n'
        '{"id": 2, "name": "Lyon", "country_code": "FR", "population": 520000}\n'
        '{"id": 3, "name": "Bern", "country_code": "CH", "population": 134000}\n',
        encoding="utf-8",
    )


def paris_and_bern(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/dumpers.md: `graph` reads a geography.db holding Paris and Bern, and `CityStore`."""
    from tests.support import fixtures

    path = folder / "geography.db"
    writer = make_graph(paths={"Geography": str(path)})
    fixtures.Geography.create_all(writer)
    with fixtures.Geography.new_context(writer) as context:
        context.session.add_all(
            [
                fixtures.Country(code="FR", name="France", continent=fixtures.Continent.EUROPE),
                fixtures.Country(code="CH", name="Switzerland", continent=fixtures.Continent.EUROPE),
                fixtures.City(id=1, name="Paris", country_code="FR", population=2100000, latitude=48.85),
                fixtures.City(id=2, name="Bern", country_code="CH", population=134000, latitude=46.95),
            ]
        )
        context.commit()
    fixtures.Geography.dispose(writer)
    namespace.update(
        graph=make_graph(paths={"Geography": str(path)}, read_only=True),
        Geography=fixtures.Geography,
        CityStore=fixtures.CityStore,
    )


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


_GEO_MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String

from microcosm_sqlite import DataSet

Geography = DataSet.create("Geography")


class Country(Geography):
    __tablename__ = "country"
    code = Column(String(2), primary_key=True)
    name = Column(String, nullable=False)


class City(Geography):
    __tablename__ = "city"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    country_code = Column(String(2), ForeignKey("country.code"), nullable=False)
"""

_GEO_BUILD = """\
from pathlib import Path

from models import City, Country, Geography

from microcosm_sqlite.artifacts import build_artifact

DATASETS = Path(__file__).resolve().parent.parent / "datasets"
sources = [(Country, DATASETS / "sources" / "country.csv"), (City, DATASETS / "sources" / "city.csv")]
build_artifact(DATASETS / "geography.db", Geography, sources)
"""


def bad_geography_project(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/cli.md: geo/, a project whose build script meets a city id that is not an integer."""
    _write(
        folder / "geo",
        {
            "build_scripts/models.py": _GEO_MODELS,
            "build_scripts/build_geography.py": _GEO_BUILD,
            "datasets/sources/country.csv": "code,name\nFR,France\n",
            "datasets/sources/city.csv": "id,name,country_code\n1,Paris,FR\nx,Lyon,FR\n",
        },
    )


def broken_script_project(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/cli.md: fu_project/, one build script with a bug, one that works."""
    _write(
        folder / "fu_project",
        {
            "build_scripts/models.py": 'def load():\n    raise KeyError("iata")\n',
            "build_scripts/build_broken.py": "import models\n\nmodels.load()\n",
            "build_scripts/build_zz.py": 'print("built")\n',
        },
    )


_AIRPORT_MODELS = """\
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet

Airports = DataSet.create("Airports")


class Airport(Airports):
    __tablename__ = "airport"

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False, index=True)
"""


def airports_project(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/cli.md: project/airports/models.py, the Airports dataset before any migration."""
    _write(folder / "project", {"airports/__init__.py": "", "airports/models.py": _AIRPORT_MODELS})


def state_project(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/cli.md: state/models.py and migrations/ with two numbered .sql files."""
    _write(
        folder,
        {
            "state/__init__.py": "",
            "state/models.py": (
                "from sqlalchemy import Column, Integer, String\n\nfrom microcosm_sqlite import DataSet\n\n"
                'State = DataSet.create("State")\n\n\nclass Feed(State):\n    __tablename__ = "feed"\n\n'
                "    id = Column(Integer, primary_key=True)\n    url = Column(String, nullable=False)\n"
                "    etag = Column(String)\n"
            ),
            "migrations/001_create_feed.sql": "CREATE TABLE feed (id INTEGER PRIMARY KEY, url TEXT NOT NULL);\n",
            "migrations/002_add_etag.sql": "ALTER TABLE feed ADD COLUMN etag TEXT;\n",
        },
    )


def state_graph(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/migrations.md: `graph` writes state.db; `State` is state.models' dataset."""
    import importlib

    namespace.update(
        graph=make_graph(paths={"State": str(folder / "state.db")}),
        State=importlib.import_module("state.models").State,
    )


def geography_history(folder: Path, namespace: dict[str, Any]) -> None:
    """
    docs/cli.md textconv: the checkout is a git repository whose committed datasets/geography.db
    has since been rebuilt with Paris's population changed.

    """
    import subprocess

    from microcosm_sqlite.artifacts import build_artifact
    from tests.support import fixtures

    def git(*arguments: str) -> None:
        subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True, timeout=60)

    def build(cities: str) -> None:
        (folder / "cities.csv").write_text(cities, encoding="utf-8")
        sources = [(fixtures.Country, DATA / "countries.csv"), (fixtures.City, folder / "cities.csv")]
        build_artifact(folder / "datasets" / "geography.db", fixtures.Geography, sources)
        (folder / "cities.csv").unlink()

    cities = (DATA / "cities.csv").read_text(encoding="utf-8")
    (folder / ".gitattributes").write_text("datasets/*.db diff=microcosm-sqlite\n", encoding="utf-8")
    build(cities)
    git("init", "--quiet")
    git("add", ".gitattributes", "datasets/geography.db")
    git("-c", "user.name=docs", "-c", "user.email=docs@example.invalid", "commit", "--quiet", "-m", "geography")
    build(cities.replace("Paris,FR,2100000", "Paris,FR,2200000"))


def git_checkout(folder: Path, namespace: dict[str, Any]) -> None:
    """README: the checkout is a clone (a git repository), where `git config` writes its own config."""
    import subprocess

    if not (folder / ".git").exists():
        subprocess.run(["git", "init", "--quiet"], cwd=folder, check=True, capture_output=True, timeout=60)


def published_airports_edited(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/cli.md verify URL: someone changed a row of the published airports on the server."""
    import os

    from tests.support.postgres import server_execute

    server_execute(os.environ["DATABASE_URL"], "UPDATE airports.airport SET name = 'Roissy' WHERE icao = 'LFPG'")


def library_project(folder: Path, namespace: dict[str, Any]) -> None:
    """docs/cli.md build: library/models.py (authors and their books) and two sources for it."""
    _write(
        folder,
        {
            "library/__init__.py": "",
            "library/models.py": (
                "from sqlalchemy import Column, ForeignKey, Integer, String\n\n"
                'from microcosm_sqlite import DataSet\n\nLibrary = DataSet.create("Library")\n\n\n'
                'class Author(Library):\n    __tablename__ = "author"\n\n'
                "    id = Column(Integer, primary_key=True)\n    name = Column(String, nullable=False)\n\n\n"
                'class Book(Library):\n    __tablename__ = "book"\n\n'
                "    id = Column(Integer, primary_key=True)\n    title = Column(String, nullable=False)\n"
                '    author_id = Column(Integer, ForeignKey("author.id"), nullable=False)\n'
            ),
            "sources/authors.csv": "id,name\n1,Ursula K. Le Guin\n2,Italo Calvino\n",
            "sources/books.jsonl": (
                '{"id": 10, "title": "The Dispossessed", "author_id": 1}\n'
                '{"id": 11, "title": "Invisible Cities", "author_id": 2}\n'
            ),
        },
    )
