"""
The whole-file digest: every single-bit flip anywhere in a built artifact is a DamagedArtifactError
at first use in a read-only graph, before any row is served.

"""

import hashlib
import random
import sqlite3

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifacts.digest import CHUNK_SIZE, DIGEST_KEY, hash_as_built, placeholder
from microcosm_sqlite.artifacts.metadata import METADATA_TABLE
from microcosm_sqlite.errors import DamagedArtifactError
from reference_data.airports import Airports, AirportStore
from reference_data.staging import AIRPORTS
from tests.support.building import build_geography
from tests.support.fixtures import CITIES, CityStore, Geography
from tests.support.graphs import make_graph

FLIPS = 100


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A real Geography artifact from the builder: a few pages, each a different kind."""
    path = tmp_path_factory.mktemp("digest") / "geography.db"
    build_geography(path)
    return path.read_bytes()


def stored_digest(data: bytes, path) -> str:
    path.write_bytes(data)
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"SELECT value FROM {METADATA_TABLE} WHERE key = ?", (DIGEST_KEY,)).fetchone()[0]
    finally:
        connection.close()


def flipped(data: bytes, bit: int) -> bytes:
    damaged = bytearray(data)
    damaged[bit // 8] ^= 1 << (bit % 8)
    return bytes(damaged)


def served_rows(graph) -> list:
    """First use of the dataset, collecting every row served until an error stops it."""
    served = []
    with Geography.new_context(graph):
        for city in CityStore().search():
            served.append(city.name)
    return served


def assert_refused_before_any_row(graph, path, rows: list) -> DamagedArtifactError:
    with pytest.raises(DamagedArtifactError) as raised:
        rows.extend(served_rows(graph))
    assert rows == []
    message = str(raised.value)
    assert message.startswith(f"dataset 'Geography' ({path}): ")
    assert "rebuild it" in message
    return raised.value


def test_the_digest_is_the_sha256_of_the_file_with_the_placeholder_in_its_place(built, tmp_path):
    digest = stored_digest(built, tmp_path / "copy.db")
    connection = sqlite3.connect(tmp_path / "copy.db")
    content_hash = connection.execute(f"SELECT value FROM {METADATA_TABLE} WHERE key = 'content_hash'").fetchone()[0]
    connection.close()

    assert built.count(digest.encode()) == 1
    as_hashed = built.replace(digest.encode(), placeholder(content_hash).encode())
    assert hashlib.sha256(as_hashed).hexdigest() == digest


def test_an_intact_artifact_opens_with_the_digest_checked(built, tmp_path):
    path = tmp_path / "geography.db"
    path.write_bytes(built)
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)

    assert served_rows(graph) == ["Paris", "Lyon", "Bern", "Bamako", "Toronto", "Paris"]
    dispose_sqlite_connections(graph)


def test_every_single_bit_flip_in_any_page_is_refused_before_any_row(built, tmp_path):
    page_size = int.from_bytes(built[16:18], "big")
    pages = len(built) // page_size
    assert pages >= 5
    rng = random.Random(20261130)
    # Page after page, so that every page (header, schema, tables, indexes, statistics, metadata)
    # takes its share of the flips.
    bits = [(index % pages) * page_size * 8 + rng.randrange(page_size * 8) for index in range(FLIPS)]
    path = tmp_path / "geography.db"
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)
    escaped = []
    for bit in bits:
        path.write_bytes(flipped(built, bit))
        graph.sqlite["Geography"] = str(path)  # a new path: the next use opens and checks it again
        rows: list = []
        try:
            assert_refused_before_any_row(graph, path, rows)
        except AssertionError:
            escaped.append((bit // 8, bit % 8, rows))
        dispose_sqlite_connections(graph)
    assert escaped == []


def test_flips_in_the_parts_that_say_a_digest_exists_are_refused(built, tmp_path):
    """The magic, the format stamps, the metadata table's name, the digest's key and value."""
    digest = stored_digest(built, tmp_path / "copy.db")
    targets = {
        "magic": 0,
        "user_version": 63,
        "application_id": 71,
        "metadata table name": built.index(b"_microcosm_sqlite_metadata") + 5,
        "digest key": built.index(DIGEST_KEY.encode()),
        "digest value": built.index(digest.encode()) + 10,
    }
    for name, offset in targets.items():
        for bit in (0, 1, 6, 7):
            path = tmp_path / f"{name.replace(' ', '_')}-{bit}.db"
            path.write_bytes(flipped(built, offset * 8 + bit))
            graph = make_graph(paths={"Geography": str(path)}, read_only=True)
            assert_refused_before_any_row(graph, path, [])
            dispose_sqlite_connections(graph)


def test_a_flip_in_the_shipped_airports_artifact_is_refused(tmp_path):
    data = AIRPORTS.artifact.read_bytes()
    offset = data.index(b"Charles de Gaulle")
    path = tmp_path / "airports.db"
    path.write_bytes(flipped(data, (offset + 3) * 8 + 5))
    graph = make_graph(paths={"Airports": str(path)}, read_only=True)

    with pytest.raises(DamagedArtifactError, match=rf"dataset 'Airports' \({path}\): .*SHA-256"):
        with Airports.new_context(graph):
            AirportStore().one(icao="LFPG")
    dispose_sqlite_connections(graph)


def test_check_digest_off_serves_the_changed_rows(built, tmp_path):
    """What the flag gives up: SQLite alone serves a changed value without a word."""
    path = tmp_path / "geography.db"
    offset = built.index(b"Bamako")
    path.write_bytes(built[:offset] + b"Bamaki" + built[offset + 6 :])
    graph = make_graph(paths={"Geography": str(path)}, read_only=True, check_digest=False)

    assert "Bamaki" in served_rows(graph)
    dispose_sqlite_connections(graph)


def test_an_artifact_without_a_digest_still_opens(built, tmp_path):
    """Artifacts of format 1 carry no digest: they open, checked as before."""
    path = tmp_path / "geography.db"
    path.write_bytes(built)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"DELETE FROM {METADATA_TABLE} WHERE key = ?", (DIGEST_KEY,))
    connection.execute(f"UPDATE {METADATA_TABLE} SET value = '1' WHERE key = 'format_version'")
    connection.execute("PRAGMA user_version = 1")
    connection.close()
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)

    assert len(served_rows(graph)) == 6
    dispose_sqlite_connections(graph)


@pytest.mark.parametrize(
    "offset", [0, CHUNK_SIZE - 40, CHUNK_SIZE - 64, CHUNK_SIZE - 1, CHUNK_SIZE, 2 * CHUNK_SIZE + 7]
)
def test_the_digest_is_found_and_substituted_across_chunk_boundaries(tmp_path, offset):
    written, hashed = hashlib.sha256(b"written").hexdigest().encode(), hashlib.sha256(b"hashed").hexdigest().encode()
    data = bytearray(random.Random(offset).randbytes(3 * CHUNK_SIZE))
    data[offset : offset + len(written)] = written
    path = tmp_path / "file"
    path.write_bytes(bytes(data))

    with path.open("rb") as file:
        digest, offsets = hash_as_built(file, written, hashed)

    assert offsets == [offset]
    assert digest == hashlib.sha256(bytes(data).replace(written, hashed)).hexdigest()


def test_every_occurrence_is_reported(tmp_path):
    written = hashlib.sha256(b"written").hexdigest().encode()
    path = tmp_path / "file"
    path.write_bytes(b"x" * (CHUNK_SIZE - 30) + written + b"y" * 100 + written)

    with path.open("rb") as file:
        _, offsets = hash_as_built(file, written, written)

    assert offsets == [CHUNK_SIZE - 30, CHUNK_SIZE - 30 + 64 + 100]


def test_data_holding_64_zeros_builds_and_opens(tmp_path):
    """The placeholder depends on the content, so no value can collide with it (64 zeros could)."""
    path = tmp_path / "zeros.db"
    build_geography(path, cities=[*CITIES, dict(id=7, name="0" * 64, country_code="FR", population=1, latitude=0.0)])
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)

    assert "0" * 64 in served_rows(graph)
    dispose_sqlite_connections(graph)


def test_a_file_renamed_over_the_artifact_after_first_use_is_checked_before_new_connections_read_it(built, tmp_path):
    """
    Deployments replace artifacts by rename, and connections opened afterwards read the new file
    (a pool growing under load, a second thread, a forked worker): it is checked before them too.

    """
    path = tmp_path / "geography.db"
    path.write_bytes(built)
    graph = make_graph(paths={"Geography": str(path)}, read_only=True)
    offset = built.index(b"Bamako")
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(built[:offset] + b"Bamaki" + built[offset + 6 :])

    with Geography.new_context(graph):
        assert len(list(CityStore().search())) == 6  # checked, and holding its connection
        damaged.replace(path)
        assert_refused_before_any_row(graph, path, [])  # a second session: a new connection
    dispose_sqlite_connections(graph)
