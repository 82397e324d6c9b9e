"""
Helpers that build real artifacts for the artifact tests, without depending on the builders.

"""

import sqlite3
from contextlib import closing
from pathlib import Path

from microcosm_sqlite.artifacts import ArtifactBuild, ArtifactInfo
from microcosm_sqlite.artifacts.digest import placeholder, stamp_digest
from tests.support.fixtures import CITIES, COUNTRIES, City, Country, Geography


def build_geography(target: Path, countries=COUNTRIES, cities=CITIES, sources=()) -> ArtifactInfo:
    """Build a Geography artifact by inserting rows through SQLAlchemy Core on the build's engine."""
    with ArtifactBuild(target, Geography, sources=sources) as build:
        with build.engine.begin() as connection:
            connection.execute(Country.__table__.insert(), list(countries))
            connection.execute(City.__table__.insert(), list(cities))
    return build.info


def folder_names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def restamp(path: Path) -> Path:
    """
    Give an artifact edited by hand the digest of its new bytes, as a build would have: for tests of
    the checks that come after the digest (an edited file otherwise fails the digest first).

    """
    with closing(sqlite3.connect(path)) as connection:
        values = dict(connection.execute("SELECT key, value FROM _microcosm_sqlite_metadata"))
    data = path.read_bytes()
    path.write_bytes(data.replace(values["file_sha256"].encode(), placeholder(values["content_hash"]).encode()))
    _, offsets = stamp_digest(path, values["content_hash"])
    assert len(offsets) == 1
    return path
