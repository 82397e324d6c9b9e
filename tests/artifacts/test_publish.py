"""Publishing artifacts to PostgreSQL: atomic swaps, kept versions, identical content hashes."""

import os
import re
import select
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from microcosm_sqlite.artifacts import build_artifact, publish_artifact, read_metadata, verify_artifact
from microcosm_sqlite.artifacts.reading import open_artifact
from microcosm_sqlite.artifacts.server import hash_tables as published_hashes
from microcosm_sqlite.errors import DamagedArtifactError, PublishError, ServerConnectionError
from tests.support.building import build_geography
from tests.support.cli import ROOT
from tests.support.fixtures import CITIES, COUNTRIES, Catalogue, Geography, Product, Tag
from tests.support.postgres import schemas, server_execute, server_rows


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """Two Geography artifacts with different rows: (path, (countries, cities), content hash) each."""
    folder = tmp_path_factory.mktemp("versions")
    built = []
    for name, countries, cities in [("one", COUNTRIES, CITIES), ("two", COUNTRIES[:2], CITIES[:3])]:
        path = folder / name / "geography.db"
        path.parent.mkdir()
        info = build_geography(path, countries=countries, cities=cities)
        built.append((path, (len(countries), len(cities)), info.content_hash))
    return built


def published(url, schema):
    """(countries, cities, content hash) as one statement reads them from the published schema."""
    (row,) = server_rows(
        url,
        f'SELECT (SELECT count(*) FROM "{schema}".country), (SELECT count(*) FROM "{schema}".city), '
        f"(SELECT value FROM \"{schema}\"._microcosm_sqlite_metadata WHERE key = 'content_hash')",
    )
    return row


def test_a_published_dataset_hashes_as_its_artifact_and_verifies(postgres_url, versions):
    path, (countries, cities), content_hash = versions[0]

    publication = publish_artifact(path, postgres_url, Geography, schema="geo_verify")

    assert publication.rows == {"country": countries, "city": cities}
    assert published(postgres_url, "geo_verify") == (countries, cities, content_hash)
    verification = verify_artifact(postgres_url, Geography, schema="geo_verify")
    assert verification.sound, verification.failures
    assert verification.passed == ["metadata", "content"]


def test_every_column_type_hashes_identically_on_both_engines(postgres_url, tmp_path):
    """Booleans, decimals, dates, times, JSON, UUIDs: PostgreSQL hands back typed values."""
    products = tmp_path / "product.csv"
    products.write_text((ROOT / "tests" / "data" / "products.csv").read_text())
    tags = tmp_path / "tag.csv"
    tags.write_text("id,sku,label\n1,007,spy\n2,007,film\n")
    info = build_artifact(tmp_path / "catalogue.db", Catalogue, [(Product, products), (Tag, tags)])

    publish_artifact(tmp_path / "catalogue.db", postgres_url, Catalogue)

    import psycopg

    with psycopg.connect("postgresql://" + postgres_url.partition("://")[2]) as connection:
        assert published_hashes(connection, "catalogue", info.format_version) == info.tables
    assert verify_artifact(postgres_url, Catalogue).sound


def test_the_shipped_datasets_hash_identically_once_published(postgres_url):
    from reference_data.airports import Airports
    from reference_data.countries import Countries

    for base, path in [(Airports, ROOT / "datasets" / "airports.db"), (Countries, ROOT / "datasets" / "countries.db")]:
        publish_artifact(path, postgres_url, base)
        with open_artifact(path) as connection:
            recorded = read_metadata(connection)
        verification = verify_artifact(postgres_url, base)

        assert verification.sound, verification.failures
        import psycopg

        with psycopg.connect("postgresql://" + postgres_url.partition("://")[2]) as connection:
            assert published_hashes(connection, base.__name__.lower(), recorded.format_version) == recorded.tables


def test_an_edited_published_table_fails_verification(postgres_url, versions):
    publish_artifact(versions[0][0], postgres_url, Geography, schema="geo_edited")
    server_execute(postgres_url, "UPDATE geo_edited.city SET population = 1 WHERE id = 1")

    verification = verify_artifact(postgres_url, schema="geo_edited")

    assert not verification.sound
    assert "table 'city' no longer matches its recorded content hash" in verification.failures[0]


def test_the_previous_version_is_kept_until_the_next_publish(postgres_url, versions):
    (one, counts_one, hash_one), (two, counts_two, hash_two) = versions

    first = publish_artifact(one, postgres_url, Geography, schema="geo_keep")
    second = publish_artifact(two, postgres_url, Geography, schema="geo_keep")
    third = publish_artifact(one, postgres_url, Geography, schema="geo_keep", keep=2)

    assert first.previous is None
    assert second.previous == "geo_keep__previous_1"
    assert third.previous == "geo_keep__previous_2"
    assert published(postgres_url, "geo_keep") == (*counts_one, hash_one)
    assert published(postgres_url, "geo_keep__previous_2") == (*counts_two, hash_two)
    assert published(postgres_url, "geo_keep__previous_1") == (*counts_one, hash_one)

    fourth = publish_artifact(two, postgres_url, Geography, schema="geo_keep", keep=0)

    assert fourth.previous is None
    assert fourth.dropped == ["geo_keep__previous_3", "geo_keep__previous_2", "geo_keep__previous_1"]
    assert schemas(postgres_url, "geo_keep") == ["geo_keep"]


def test_a_damaged_artifact_is_refused_before_the_server_is_touched(postgres_url, versions, tmp_path):
    damaged = tmp_path / "geography.db"
    data = bytearray(versions[0][0].read_bytes())
    data[-200] ^= 0x01
    damaged.write_bytes(bytes(data))

    with pytest.raises(DamagedArtifactError):
        publish_artifact(damaged, postgres_url, Geography, schema="geo_damaged")
    assert schemas(postgres_url, "geo_damaged") == []


def test_an_unreachable_server_is_a_typed_error_with_the_password_masked(versions, tmp_path):
    url = f"postgresql+psycopg://reader:s3cret@/nowhere?host={tmp_path}"

    with pytest.raises(ServerConnectionError) as raised:
        publish_artifact(versions[0][0], url, Geography)

    assert "s3cret" not in str(raised.value)
    assert str(raised.value).startswith("dataset 'Geography' (postgresql+psycopg://reader:***@/nowhere?host=")
    assert "cannot connect to the server" in str(raised.value)


def test_a_schema_of_another_application_is_never_moved_aside(postgres_url, versions):
    server_execute(postgres_url, "CREATE SCHEMA theirs", "CREATE TABLE theirs.accounts (id int)")

    with pytest.raises(PublishError, match="schema 'theirs' holds tables that were not published"):
        publish_artifact(versions[0][0], postgres_url, Geography, schema="theirs")
    assert schemas(postgres_url, "theirs") == ["theirs"]


PUBLISH_AND_PAUSE = textwrap.dedent(
    """
    import sys

    from microcosm_sqlite.artifacts import publish_artifact
    from tests.support.fixtures import Geography

    artifact, url, schema, pause_at = sys.argv[1:]

    def pause(step):
        if step == pause_at:
            print("paused", flush=True)
            sys.stdin.read()  # until the test kills this process

    publish_artifact(artifact, url, Geography, schema=schema, on_step=pause)
    """
)


@pytest.mark.parametrize("step", ["created", "copied country", "staged", "swapping"])
def test_a_publish_killed_at_any_step_leaves_the_published_dataset_intact(postgres_url, versions, step):
    (one, counts_one, hash_one), (two, counts_two, hash_two) = versions
    schema = "geo_kill_" + step.replace(" ", "_")
    publish_artifact(one, postgres_url, Geography, schema=schema)

    process = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_AND_PAUSE, str(two), postgres_url, schema, step],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready and process.stdout.readline() == "paused\n"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.kill()
        process.wait(timeout=30)

    assert published(postgres_url, schema) == (*counts_one, hash_one)
    assert verify_artifact(postgres_url, Geography, schema=schema).sound
    # The next publish goes through, and drops what the killed one left.
    publication = publish_artifact(two, postgres_url, Geography, schema=schema)
    assert published(postgres_url, schema) == (*counts_two, hash_two)
    assert schemas(postgres_url, f"{schema}__staging_") == []
    assert schemas(postgres_url, f"{schema}__previous_") == [publication.previous]


READER = textwrap.dedent(
    """
    import sys

    import psycopg

    url, schema = sys.argv[1:]
    query = (
        f'SELECT (SELECT count(*) FROM "{schema}".country), (SELECT count(*) FROM "{schema}".city), '
        f"(SELECT value FROM \\"{schema}\\"._microcosm_sqlite_metadata WHERE key = 'content_hash')"
    )
    with psycopg.connect("postgresql://" + url.partition("://")[2], autocommit=True) as connection:
        print("ready", flush=True)
        while True:
            countries, cities, content_hash = connection.execute(query).fetchone()
            print(countries, cities, content_hash, flush=True)
    """
)


def test_readers_in_another_process_see_whole_versions_during_five_publishes(postgres_url, versions, tmp_path):
    (one, counts_one, hash_one), (two, counts_two, hash_two) = versions
    expected = {hash_one: counts_one, hash_two: counts_two}
    schema = "geo_readers"
    publish_artifact(one, postgres_url, Geography, schema=schema)
    log = tmp_path / "reads.log"
    with open(log, "w") as output:
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, postgres_url, schema], stdout=output, stderr=subprocess.PIPE, text=True
        )
    try:
        wait_for_more_reads(log, reader)
        for artifact in [two, one, two, one, two]:
            publish_artifact(artifact, postgres_url, Geography, schema=schema)
            wait_for_more_reads(log, reader)
    finally:
        reader.terminate()
        _, errors = reader.communicate(timeout=30)

    assert reader.returncode == -signal.SIGTERM, errors  # it never failed a query
    reads = [line.split() for line in log.read_text().splitlines()[1:]]
    reads = [read for read in reads if len(read) == 3]  # not a line cut short by the end
    assert len({content_hash for _, _, content_hash in reads}) == 2
    assert all(expected[content_hash] == (int(countries), int(cities)) for countries, cities, content_hash in reads)


def wait_for_more_reads(log, reader, timeout=60.0):
    """Wait until the reader has logged a read after this point (it keeps querying meanwhile)."""
    before = log.stat().st_size
    deadline = time.monotonic() + timeout
    while log.stat().st_size <= before + 200:
        assert reader.poll() is None, reader.stderr.read()
        assert time.monotonic() < deadline, "the reader stopped reading"
        time.sleep(0.01)


def test_passwords_are_masked_wherever_the_url_carries_them():
    from microcosm_sqlite.artifacts.server import masked

    assert masked("postgres://reader:s3cret@db:5432/ref?sslmode=require&password=other") == (
        "postgres://reader:***@db:5432/ref?sslmode=require&password=***"
    )
    assert masked("postgresql:///ref?host=/run/postgresql") == "postgresql:///ref?host=/run/postgresql"


def test_a_service_reading_as_its_own_role_keeps_its_access_across_publishes(postgres_url, versions):
    (one, counts_one, _), (two, counts_two, _) = versions
    publish_artifact(one, postgres_url, Geography, schema="geo_grants")
    server_execute(
        postgres_url,
        "CREATE ROLE geo_service",
        "GRANT USAGE ON SCHEMA geo_grants TO geo_service",
        "GRANT SELECT ON geo_grants.city TO geo_service",
    )

    publish_artifact(two, postgres_url, Geography, schema="geo_grants")

    def count_as_service(table):
        import psycopg

        with psycopg.connect("postgresql://" + postgres_url.partition("://")[2]) as connection:
            connection.execute("SET ROLE geo_service")
            return connection.execute(f"SELECT count(*) FROM geo_grants.{table}").fetchone()[0]

    assert count_as_service("city") == counts_two[1]
    with pytest.raises(Exception, match="permission denied"):
        count_as_service("country")  # never granted: not granted now either


def test_a_row_the_server_refuses_names_its_table_and_column(postgres_url, tmp_path):
    """SQLite keeps text longer than a VARCHAR's length; PostgreSQL refuses it, and the publish stops."""
    artifact = tmp_path / "geography.db"
    build_geography(artifact, countries=[*COUNTRIES, dict(COUNTRIES[0], code="FRA", name="Too long")])

    with pytest.raises(PublishError) as raised:
        publish_artifact(artifact, postgres_url, Geography, schema="geo_refused")

    assert "value too long for type character varying(2)" in str(raised.value)
    assert "COPY country, line 5, column code" in str(raised.value)
    assert schemas(postgres_url, "geo_refused") == []


def test_a_reader_holding_one_table_is_never_the_victim_of_the_swap(postgres_url, versions):
    """
    A reader inside a transaction holds `country` and then reads `city` while a publish swaps: the
    publish, holding `city` and waiting for `country`, must give way before the server's deadlock
    check picks the reader as its victim (a service's query failing because a publish ran).

    """
    import threading

    import psycopg

    (one, _, _), (two, counts_two, hash_two) = versions
    schema = "geo_deadlock"
    publish_artifact(one, postgres_url, Geography, schema=schema)
    conninfo = "postgresql://" + postgres_url.partition("://")[2]
    published_error: list[BaseException] = []

    def publish_two():
        try:
            publish_artifact(two, postgres_url, Geography, schema=schema)
        except BaseException as error:  # reported by the test below
            published_error.append(error)

    with psycopg.connect(conninfo) as reader:
        # This reader's own deadlock check runs early: it is the victim if the publish still waits.
        reader.execute("SET deadlock_timeout = '300ms'")
        reader.execute(f'SELECT count(*) FROM "{schema}".country').fetchone()
        publisher = threading.Thread(target=publish_two)
        publisher.start()
        waiting_for_country = (
            "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = 'country' AND l.mode = 'AccessExclusiveLock' AND NOT l.granted"
        )
        deadline = time.monotonic() + 60
        while not server_rows(postgres_url, waiting_for_country, schema):
            assert time.monotonic() < deadline and publisher.is_alive(), published_error
        # The publish holds `city` and waits for `country`, which this reader holds.
        assert reader.execute(f'SELECT count(*) FROM "{schema}".city').fetchone() is not None
        reader.commit()
    publisher.join(timeout=120)

    assert published_error == []
    assert published(postgres_url, schema) == (*counts_two, hash_two)


@pytest.mark.parametrize("scheme", ["mysql", "sqlite", "postgresql+asyncpg"])
def test_a_url_of_another_database_is_refused_before_connecting(tmp_path, scheme):
    from microcosm_sqlite.artifacts.verify import verify_published
    from microcosm_sqlite.errors import ServerError

    artifact = tmp_path / "geography.db"
    build_geography(artifact)
    url = f"{scheme}://reader:s3cret@/reference?host={tmp_path}"

    with pytest.raises(ServerError, match=re.escape(f"{scheme}:// is not a supported PostgreSQL URL")) as raised:
        publish_artifact(artifact, url)
    verification = verify_published(url)

    assert "s3cret" not in str(raised.value)
    assert not isinstance(raised.value, ServerConnectionError)
    assert len(verification.failures) == 1
    assert f"{scheme}:// is not a supported PostgreSQL URL" in verification.failures[0]
