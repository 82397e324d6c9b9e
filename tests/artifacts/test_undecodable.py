"""
Text that is not UTF-8 in an artifact is a DamagedArtifactError naming the dataset, the table and
the column, never a raw "Could not decode to UTF-8" from the driver.

"""

import sqlite3

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.errors import DamagedArtifactError
from tests.support.building import build_geography
from tests.support.cli import run
from tests.support.fixtures import City, CityStore, Geography
from tests.support.graphs import make_graph, write_geography

#: "Lyon" with its "o" replaced by a byte that never occurs in UTF-8.
NOT_UTF8 = b"Ly\xffn"


@pytest.fixture
def digest_less(tmp_path):
    """A file with no digest (written by the runtime), one city name stored as text that is not UTF-8."""
    path = write_geography(tmp_path / "geography.db")
    connection = sqlite3.connect(path)
    with connection:
        # CAST keeps the bytes and makes them TEXT (https://www.sqlite.org/lang_expr.html#castexpr).
        connection.execute("UPDATE city SET name = CAST(? AS TEXT) WHERE id = 2", (NOT_UTF8,))
    connection.close()
    return path


@pytest.fixture
def built_and_patched(tmp_path):
    """A built artifact (with a digest) whose bytes were patched: "Lyon" no longer UTF-8."""
    path = tmp_path / "built.db"
    build_geography(path)
    data = path.read_bytes()
    assert b"Lyon" in data
    path.write_bytes(data.replace(b"Lyon", NOT_UTF8))
    return path


def read_only(path, **config):
    return make_graph(paths={"Geography": str(path)}, read_only=True, **config)


class CityByIdStore(CityStore):
    auto_filter_fields = (City.id,)


READS = {
    "search": lambda: [city.name for city in CityStore().search()],
    "rows": lambda: [row.name for row in CityStore().search().rows()],
    "one": lambda: CityByIdStore().one(id=2).name,
    "first": lambda: CityStore().first(country_code="FR", offset=1).name,
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_reading_text_that_is_not_utf8_names_the_table_and_column(digest_less, read):
    graph = read_only(digest_less)

    with pytest.raises(DamagedArtifactError) as raised:
        with Geography.new_context(graph):
            read()
    dispose_sqlite_connections(graph)

    message = str(raised.value)
    assert message.startswith(f"dataset 'Geography' ({digest_less}): ")
    assert "column 'name' of table 'city' holds text that is not UTF-8" in message
    assert "rebuild it" in message


def test_with_the_digest_checked_the_patched_bytes_are_caught_at_first_use(built_and_patched):
    graph = read_only(built_and_patched)

    with pytest.raises(DamagedArtifactError, match="do not match the SHA-256"):
        with Geography.new_context(graph):
            CityStore().count()
    dispose_sqlite_connections(graph)


def test_with_the_digest_check_off_the_read_names_the_table_and_column(built_and_patched):
    graph = read_only(built_and_patched, check_digest=False)

    with pytest.raises(DamagedArtifactError, match="column 'name' of table 'city' holds text that is not UTF-8"):
        with Geography.new_context(graph):
            list(CityStore().search())
    dispose_sqlite_connections(graph)


def test_dump_names_the_table_and_column(digest_less):
    result = run("dump", digest_less, "city")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"Error: {digest_less}: " in result.stderr
    assert "column 'name' of table 'city' holds text that is not UTF-8" in result.stderr


def test_verify_reports_the_digest_and_the_text_as_failure_lines(built_and_patched):
    result = run("verify", built_and_patched)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert "do not match the SHA-256" in lines[0]
    assert "column 'name' of table 'city' holds text that is not UTF-8" in lines[1]
