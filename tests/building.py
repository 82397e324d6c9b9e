"""
Helpers that build real artifacts for the artifact tests, without depending on the builders.

"""
from pathlib import Path

from microcosm_sqlite.artifacts import ArtifactBuild, ArtifactInfo
from tests.fixtures import CITIES, COUNTRIES, City, Country, Geography


def build_geography(target: Path, countries=COUNTRIES, cities=CITIES, sources=()) -> ArtifactInfo:
    """Build a Geography artifact by inserting rows through SQLAlchemy Core on the build's engine."""
    with ArtifactBuild(target, Geography, sources=sources) as build:
        with build.engine.begin() as connection:
            connection.execute(Country.__table__.insert(), list(countries))
            connection.execute(City.__table__.insert(), list(cities))
    return build.info


def folder_names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())
