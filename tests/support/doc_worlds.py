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
            [Planet(id=number, name=name, kind=kind, radius_km=radius) for number, (name, kind, radius) in enumerate(rows)]
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
