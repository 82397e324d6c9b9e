import json
import sqlite3

from microcosm_sqlite.artifacts.inspect import describe_artifact
from tests.support.building import build_geography
from tests.support.graphs import write_geography


def test_counts_and_hashes_come_from_the_metadata(tmp_path):
    info = build_geography(tmp_path / "geography.db")

    summary = describe_artifact(tmp_path / "geography.db")

    assert [(table.name, table.rows, table.rows_from) for table in summary.tables] == [
        ("city", 6, "metadata"),
        ("country", 4, "metadata"),
    ]
    assert [table.content_hash for table in summary.tables] == [
        info.tables["city"].content_hash,
        info.tables["country"].content_hash,
    ]
    assert summary.metadata is not None
    assert summary.metadata["content_hash"] == info.content_hash
    assert summary.journal_mode == "delete"
    assert summary.size == (tmp_path / "geography.db").stat().st_size
    json.dumps(summary.as_dict())  # JSON-ready as it is


def test_a_recorded_count_is_trusted_rather_than_recounted(tmp_path):
    path = tmp_path / "geography.db"
    build_geography(path)
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM city WHERE id = 6")

    city = describe_artifact(path).tables[0]

    assert (city.rows, city.rows_from) == (6, "metadata")  # instant: no COUNT over the table


def test_files_without_metadata_are_counted(tmp_path):
    summary = describe_artifact(write_geography(tmp_path / "plain.db"))

    assert [(table.name, table.rows, table.rows_from, table.content_hash) for table in summary.tables] == [
        ("city", 6, "count", None),
        ("country", 4, "count", None),
    ]
    assert summary.metadata is None
    assert any("CREATE TABLE city" in statement for statement in summary.tables[0].sql)
