"""
Datasets served from a PostgreSQL server by URL: how services point at them, and each way that can
go wrong, with its own error naming the dataset and the URL (never the password).

The store, streaming, dumper and read-only tests run on both backends in their own modules.

"""

import multiprocessing
import subprocess
import sys
import textwrap
import traceback

import psycopg
import pytest
from microcosm.api import create_object_graph, load_from_environ
from sqlalchemy import Column, Integer, String, text

from microcosm_sqlite import DataSet, dispose_sqlite_connections
from microcosm_sqlite.artifacts.publish import publish_artifact
from microcosm_sqlite.artifacts.verify import verify_artifact
from microcosm_sqlite.errors import (
    ConfigurationError,
    SchemaMismatchError,
    SchemaNotFoundError,
    ServerAuthenticationError,
    ServerUnreachableError,
    StaleArtifactError,
)
from tests.support.building import build_geography
from tests.support.fixtures import CITIES, CityStore, Geography
from tests.support.graphs import make_graph
from tests.support.postgres import publish_for_tests


def read_only(url, **config):
    return make_graph(paths={"Geography": url}, read_only=True, **config)


def count_cities(graph):
    try:
        with Geography.new_context(graph):
            return CityStore().count()
    finally:
        dispose_sqlite_connections(graph)


def plain(url):
    """A URL for psycopg itself (no SQLAlchemy driver name, no schema option)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1).split("&schema=")[0]


def everything_said(error):
    """All a user can ever see of an error: its message, its repr and its printed traceback."""
    return str(error) + repr(error) + "".join(traceback.format_exception(error))


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_every_postgresql_url_form_is_read_with_psycopg(published_geography, scheme):
    url = published_geography.replace("postgresql+psycopg://", f"{scheme}://", 1)
    graph = read_only(url)
    assert graph.sqlite("Geography").engine.dialect.driver == "psycopg"
    assert count_cities(graph) == 6


def test_a_url_from_the_environment(published_geography, monkeypatch):
    # Environment keys reach config lower-cased; the dataset is still Geography.
    monkeypatch.setenv(
        "PGTEST__SQLITE__PATHS__GEOGRAPHY", published_geography.replace("postgresql+psycopg", "postgres")
    )
    monkeypatch.setenv("PGTEST__SQLITE__READ_ONLY", "true")
    assert count_cities(create_object_graph("pgtest", testing=True, loader=load_from_environ)) == 6


def test_a_url_from_an_entry_point(published_geography, tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "geo_service-1.0.dist-info").mkdir(parents=True)
    (site / "geo_service-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: geo-service\nVersion: 1.0\n"
    )
    (site / "geo_service-1.0.dist-info" / "entry_points.txt").write_text(
        "[microcosm.sqlite]\nGeography = geo_service:geography_url\n"
    )
    (site / "geo_service.py").write_text(f"def geography_url(graph):\n    return {published_geography!r}\n")
    monkeypatch.syspath_prepend(str(site))
    try:
        assert count_cities(make_graph(read_only=True)) == 6
    finally:
        sys.modules.pop("geo_service", None)


def test_the_schema_option_names_the_dataset_schema(postgres_url, published_geography, tmp_path):
    build_geography(tmp_path / "two.db", cities=CITIES[:2])
    two_cities = tmp_path / "two.db"
    url = f"{postgres_url}&schema=geography_v2"
    publish_artifact(two_cities, url, Geography)
    assert count_cities(read_only(url)) == 2
    assert verify_artifact(url, base=Geography).sound
    # Without the option, the dataset name lower-cased: the other copy.
    assert count_cities(read_only(postgres_url)) == 6


def test_raw_sql_finds_the_tables_by_their_bare_names(published_geography):
    graph = read_only(published_geography)
    try:
        with Geography.new_context(graph) as context:
            assert context.session.execute(text("SELECT count(*) FROM city WHERE country_code = 'FR'")).scalar() == 2
    finally:
        dispose_sqlite_connections(graph)


def test_a_missing_schema_is_its_own_error(postgres_url):
    with pytest.raises(
        SchemaNotFoundError,
        match=r"dataset 'Geography' \(postgresql\+psycopg://postgres:\*\*\*@/test_postgres_datasets\?.*schema=nowhere\): "
        r"the database has no schema 'nowhere': the dataset was not published there; publish the artifact there",
    ) as raised:
        count_cities(read_only(f"{postgres_url}&schema=nowhere"))
    assert raised.value.data_set == "Geography"


def test_missing_tables_and_columns_are_a_schema_mismatch(published_geography):
    Other = DataSet.create("Geography")

    class Airport(Other):
        __tablename__ = "airport"
        id = Column(Integer, primary_key=True)

    graph = read_only(published_geography)
    with pytest.raises(SchemaMismatchError, match=r"\(postgresql\+psycopg://.*\): .*missing tables airport\)"):
        Other.new_session(graph)
    dispose_sqlite_connections(graph)

    Newer = DataSet.create("Geography")

    class City(Newer):
        __tablename__ = "city"
        id = Column(Integer, primary_key=True)
        timezone = Column(String)

    graph = read_only(published_geography)
    with pytest.raises(SchemaMismatchError, match=r"missing columns city.timezone"):
        Newer.new_session(graph)
    dispose_sqlite_connections(graph)


def test_a_stale_fingerprint_is_refused(postgres_url, tmp_path):
    build_geography(tmp_path / "built.db")
    url = publish_for_tests(tmp_path / "built.db", postgres_url, Geography, schema="built")
    assert count_cities(read_only(url)) == 6
    with psycopg.connect(plain(url), autocommit=True) as connection:
        connection.execute(
            "UPDATE built._microcosm_sqlite_metadata SET value = %s WHERE key = 'schema_fingerprint'", ["0" * 64]
        )
    with pytest.raises(StaleArtifactError, match=r"schema=built\): the published dataset was built from other models"):
        count_cities(read_only(url))
    assert count_cities(read_only(url, refuse_stale=False)) == 6


def test_an_unreachable_server_is_its_own_error(tmp_path):
    url = f"postgresql://reader:s3cret-pw@/geography?host={tmp_path}"
    with pytest.raises(
        ServerUnreachableError,
        match=r"dataset 'Geography' \(postgresql\+psycopg://reader:\*\*\*@/geography\?.*\): cannot connect to the server",
    ) as raised:
        count_cities(read_only(url))
    assert raised.value.status_code == 503
    assert "s3cret-pw" not in everything_said(raised.value)


@pytest.fixture(scope="module")
def password_role(postgres_server, postgres_url, published_geography):
    """A role that must give its password (scram), allowed to read the geography schema."""
    with psycopg.connect(plain(postgres_url), autocommit=True) as connection:
        connection.execute("DROP ROLE IF EXISTS secretive")
        connection.execute("CREATE ROLE secretive LOGIN PASSWORD 'right-password'")
        connection.execute("GRANT USAGE ON SCHEMA geography TO secretive")
        connection.execute("GRANT SELECT ON ALL TABLES IN SCHEMA geography TO secretive")
        hba = f"{postgres_server.pgdata}/pg_hba.conf"
        with open(hba) as lines:
            rules = lines.read()
        if "secretive" not in rules:
            with open(hba, "w") as lines:
                lines.write("local all secretive scram-sha-256\n" + rules)
            connection.execute("SELECT pg_reload_conf()")
    return "secretive"


def test_bad_credentials_are_their_own_error_and_never_show_the_password(password_role, published_geography):
    right = published_geography.replace("postgres:@", f"{password_role}:right-password@")
    wrong = published_geography.replace("postgres:@", f"{password_role}:wrong-password@")
    unknown = published_geography.replace("postgres:@", "nobody:wrong-password@")
    for url in (wrong, unknown):
        with pytest.raises(
            ServerAuthenticationError,
            match=r"dataset 'Geography' \(postgresql\+psycopg://\w+:\*\*\*@.*check the user and password",
        ) as raised:
            count_cities(read_only(url))
        assert "wrong-password" not in everything_said(raised.value)
    graph = read_only(right)
    assert "right-password" not in repr(graph.sqlite("Geography").engine)
    assert count_cities(graph) == 6


def test_other_schemes_are_refused_without_the_password():
    url = "mysql://user:pw-secret@db.example/geo"
    with pytest.raises(ConfigurationError, match=r"mysql:// is not a supported location") as raised:
        read_only(url).sqlite("Geography")
    assert "pw-secret" not in everything_said(raised.value)


def test_without_psycopg_the_error_says_which_extra_to_install(published_geography):
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["psycopg"] = None  # as if the postgres extra were not installed
        from tests.support.graphs import make_graph
        from tests.support.fixtures import Geography
        from microcosm_sqlite.errors import DriverNotInstalledError
        graph = make_graph(paths={{"Geography": {published_geography!r}}}, read_only=True)
        try:
            Geography.new_session(graph)
        except DriverNotInstalledError as error:
            print(error)
        """
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert "psycopg 3, which reads it, is not installed; pip install 'microcosm-sqlite[postgres]'" in output.stdout
    assert "dataset 'Geography' (postgresql+psycopg://postgres:***@" in output.stdout


def test_search_streams_through_a_server_side_cursor(published_geography):
    graph = read_only(published_geography, search_batch_size=2)
    try:
        with Geography.new_context(graph) as context:
            # Named: the driver's server-side cursor (the unnamed one is this query's own portal).
            open_cursors = text("SELECT count(*) FROM pg_cursors WHERE name <> ''")
            for _ in CityStore().search():
                assert context.session.execute(open_cursors).scalar() == 1
            for _ in CityStore().search().rows():
                assert context.session.execute(open_cursors).scalar() == 1
    finally:
        dispose_sqlite_connections(graph)


def backend_pid(graph):
    with Geography.new_context(graph) as context:
        return context.session.execute(text("SELECT pg_backend_pid()")).scalar()


def _child_pid(graph, answers):
    answers.put((backend_pid(graph), count_cities(graph)))


def test_a_forked_child_never_reuses_the_parents_connection(published_geography):
    graph = read_only(published_geography)
    try:
        parent = backend_pid(graph)  # the connection now waits in the parent's pool
        answers = multiprocessing.get_context("fork").Queue()
        child = multiprocessing.get_context("fork").Process(target=_child_pid, args=(graph, answers))
        child.start()
        child_pid, child_count = answers.get(timeout=60)
        child.join(timeout=60)
        assert child.exitcode == 0
        assert child_count == 6 and child_pid != parent
        # The parent's connection was left alone by the child: still open, still its own.
        assert backend_pid(graph) == parent
    finally:
        dispose_sqlite_connections(graph)


def test_a_connection_the_server_dropped_is_replaced_before_use(published_geography):
    graph = read_only(published_geography)
    try:
        dropped = backend_pid(graph)
        with psycopg.connect(plain(published_geography), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
        assert backend_pid(graph) != dropped
    finally:
        dispose_sqlite_connections(graph)
