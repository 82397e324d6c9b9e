"""
The committed example artifacts (datasets/*.db): up to date with their sources and models, and
reproducible byte for byte. These fail in `make test` when someone changes a source, a model or
the reshaping without rebuilding (`python build_scripts/build_all.py`).

"""

import shutil
import sqlite3

import pytest

from microcosm_sqlite.errors import BrokenForeignKeyError
from reference_data.build import build, check
from reference_data.paths import SOURCES_DIR
from reference_data.staging import AIRPORTS, EXAMPLE_DATA_SETS

DATA_SETS = pytest.mark.parametrize("data_set", EXAMPLE_DATA_SETS, ids=lambda data_set: data_set.name)


@DATA_SETS
def test_the_committed_artifact_is_up_to_date_with_its_sources_and_models(data_set):
    report = check(data_set)

    assert report.problems == ()


@DATA_SETS
def test_rebuilding_from_the_committed_sources_reproduces_the_committed_artifact(tmp_path, data_set):
    # Also catches a change to the reshaping code that the source hashes cannot see.
    info = build(data_set, target=tmp_path / data_set.artifact.name)

    assert info.content_hash == check(data_set).info.content_hash
    if info.sqlite_version == sqlite3.sqlite_version == check(data_set).info.sqlite_version:
        assert (tmp_path / data_set.artifact.name).read_bytes() == data_set.artifact.read_bytes()


@pytest.fixture
def sources_copy(tmp_path):
    return shutil.copytree(SOURCES_DIR, tmp_path / "sources")


def test_the_staleness_check_notices_a_changed_source(sources_copy):
    airports = sources_copy / "airports.csv"
    airports.write_text(
        airports.read_text(encoding="utf-8").replace("Lukla Airport", "Tenzing-Hillary Airport"), encoding="utf-8"
    )

    report = check(AIRPORTS, sources_dir=sources_copy)

    assert len(report.problems) == 1
    assert report.problems[0].startswith("source 'airports.csv' (table 'airport') changed since the build")


def test_a_build_from_a_bad_source_keeps_the_previous_artifact(tmp_path, sources_copy):
    target = tmp_path / "airports.db"
    shutil.copyfile(AIRPORTS.artifact, target)
    airports = sources_copy / "airports.csv"
    with airports.open("a", encoding="utf-8") as csv_file:
        csv_file.write('"ZZZZ","","Nowhere Field","","","ZZ",1,0.5,0.5,"",""\n')

    with pytest.raises(BrokenForeignKeyError, match=r"airports.csv, line 28300, column 'country': 'ZZ'"):
        build(AIRPORTS, target=target, sources_dir=sources_copy)

    assert target.read_bytes() == AIRPORTS.artifact.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["airports.db", "sources"]
