"""
A build killed with SIGKILL halfway through, in a real subprocess, must not touch the artifact.

"""

import signal
import subprocess
import sys

from microcosm_sqlite import dispose_sqlite_connections
from tests.support.building import build_geography, folder_names
from tests.support.fixtures import CITIES, CityStore, Geography
from tests.support.graphs import make_graph

# Loads many cities in batches, says "halfway" once half are in the temporary file, then waits
# forever (on stdin) to be killed.
BUILD_SCRIPT = """
import sys
from microcosm_sqlite.artifacts import ArtifactBuild
from tests.support.fixtures import COUNTRIES, City, Country, Geography

with ArtifactBuild(sys.argv[1], Geography) as build:
    with build.engine.begin() as connection:
        connection.execute(Country.__table__.insert(), COUNTRIES)
        for batch in range(20):
            rows = [dict(id=batch * 1000 + i + 100, name=f"city {batch}-{i}", country_code="FR") for i in range(1000)]
            connection.execute(City.__table__.insert(), rows)
            if batch == 10:
                print("halfway", flush=True)
                sys.stdin.read()
"""


def test_sigkill_mid_build_leaves_the_previous_artifact_byte_identical_and_readable(tmp_path):
    target = tmp_path / "geography.db"
    build_geography(target)
    before = target.read_bytes()

    process = subprocess.Popen(
        [sys.executable, "-c", BUILD_SCRIPT, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline() == "halfway\n"
        # The half-built temporary file is really there, beside the target.
        building = [name for name in folder_names(tmp_path) if name.endswith(".building")]
        assert len(building) == 1
        assert (tmp_path / building[0]).stat().st_size > 0
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
        process.stdin.close()
        process.stdout.close()

    assert process.returncode == -signal.SIGKILL
    assert target.read_bytes() == before
    graph = make_graph(paths={"Geography": str(target)}, read_only=True)
    try:
        with Geography.new_context(graph):
            assert [(city.id, city.name) for city in CityStore().search()] == [
                (city["id"], city["name"]) for city in CITIES
            ]
    finally:
        dispose_sqlite_connections(graph)


def test_the_next_build_succeeds_after_a_killed_one(tmp_path):
    target = tmp_path / "geography.db"
    process = subprocess.Popen(
        [sys.executable, "-c", BUILD_SCRIPT, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline() == "halfway\n"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
        process.stdin.close()
        process.stdout.close()

    info = build_geography(target)

    assert info.tables["city"].rows == len(CITIES)
    # The killed build's temporary file stays behind (nothing runs after SIGKILL) but is never read.
    assert [name for name in folder_names(tmp_path) if not name.endswith(".building")] == ["geography.db"]
