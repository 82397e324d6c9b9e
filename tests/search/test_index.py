"""
The search index in the artifact: built with it, deterministic, out of the content hash, in the
fingerprint, checked by verify, refused when missing, and never written when queried.

"""

import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet, Store, dispose_sqlite_connections
from microcosm_sqlite.artifacts import check_artifact, read_metadata, schema_fingerprint, verify_artifact
from microcosm_sqlite.errors import (
    SchemaMismatchError,
    SearchDeclarationError,
    SearchSyntaxError,
    StaleArtifactError,
)
from tests.support.building import restamp
from tests.support.graphs import folder_snapshot, make_graph
from tests.support.places import PLACES, Place, Places, PlaceStore, build_places


def places_base(search=None, name="Places"):
    """A Places dataset whose model declares `search` (None: no search at all)."""
    base = DataSet.create(name)
    attributes = dict(
        __tablename__="place",
        code=Column(String(8), primary_key=True),
        name=Column(String, nullable=False),
        city=Column(String),
        country=Column(String(2), nullable=False),
        population=Column(Integer, nullable=False),
    )
    if search is not None:
        attributes["__search__"] = search
    model = type("Place", (base,), attributes)
    return base, model


def sqlite_tables(path):
    with closing(sqlite3.connect(path)) as connection:
        return sorted(name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))


def test_the_build_creates_an_external_content_index_that_stores_no_text_twice(tmp_path):
    path = build_places(tmp_path)

    assert "place_fts" in sqlite_tables(path)
    # External content: FTS5 keeps no copy of the rows (no place_fts_content table).
    assert "place_fts_content" not in sqlite_tables(path)
    with closing(sqlite3.connect(path)) as connection:
        (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'place_fts'").fetchone()
        found = connection.execute("SELECT rowid FROM place_fts WHERE place_fts MATCH 'zurich'").fetchall()
    assert "content='place'" in sql
    assert "remove_diacritics 2" in sql
    assert "prefix='2 3'" in sql
    assert len(found) == 2


def test_two_builds_give_identical_bytes(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = build_places(tmp_path / "one")
    second = build_places(tmp_path / "two")

    assert first.read_bytes() == second.read_bytes()


def test_rows_in_another_order_give_the_same_content_hash_and_index(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    from microcosm_sqlite.artifacts import build_artifact
    from tests.support.places import write_places_csv

    first = build_artifact(tmp_path / "one/p.db", Places, [(Place, write_places_csv(tmp_path / "one/place.csv"))])
    second = build_artifact(
        tmp_path / "two/p.db", Places, [(Place, write_places_csv(tmp_path / "two/place.csv", PLACES[::-1]))]
    )

    assert first.content_hash == second.content_hash
    ranked = []
    for folder in ("one", "two"):
        with closing(sqlite3.connect(tmp_path / folder / "p.db")) as connection:
            rows = connection.execute(
                "SELECT place.code FROM place_fts JOIN place ON place.rowid = place_fts.rowid "
                "WHERE place_fts MATCH 'airport' ORDER BY bm25(place_fts, 10.0, 5.0, 1.0), place.code"
            ).fetchall()
        ranked.append([code for (code,) in rows])
    # Each index points at its own file's rows, whatever rowids the insert order gave them.
    assert ranked[0] == ranked[1]
    assert sorted(ranked[0]) == ["CGH", "GRU", "LGW", "LHR", "ORD", "SDU", "ZRH"]


def test_the_index_is_not_content_the_hash_or_the_commands_see(tmp_path):
    without_base, without_model = places_base(search=None)
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    with_search = build_places(tmp_path / "with")
    without_search = build_places(tmp_path / "without", base=without_base)

    with closing(sqlite3.connect(with_search)) as a, closing(sqlite3.connect(without_search)) as b:
        info_with, info_without = read_metadata(a, "Places", with_search), read_metadata(b, "Places", without_search)
    assert info_with.content_hash == info_without.content_hash
    assert list(info_with.tables) == ["place"]
    assert info_with.schema_fingerprint != info_without.schema_fingerprint


def test_the_fingerprint_records_the_declaration_and_only_when_there_is_one():
    plain_one, _ = places_base(None)
    plain_two, _ = places_base(None)
    named, _ = places_base(("name", "city"))
    weighted, _ = places_base({"name": 10.0, "city": 1.0})
    reweighted, _ = places_base({"name": 2.0, "city": 1.0})
    more, _ = places_base(("name", "city", "code"))

    fingerprints = [schema_fingerprint(base.metadata) for base in (plain_one, named, weighted, reweighted, more)]
    assert len(set(fingerprints)) == 5
    assert schema_fingerprint(plain_one.metadata) == schema_fingerprint(plain_two.metadata)


def test_a_service_whose_model_starts_declaring_search_refuses_an_artifact_built_without(tmp_path):
    without_base, _ = places_base(search=None)
    path = build_places(tmp_path, base=without_base)
    before = folder_snapshot(tmp_path)

    graph = make_graph(paths={"Places": str(path)}, read_only=True)
    try:
        with pytest.raises(StaleArtifactError, match="built from other models"):
            with Places.new_context(graph):
                PlaceStore().search(q="zurich").all()
    finally:
        dispose_sqlite_connections(graph)
    assert check_artifact(path, Places).problems == (
        "the schema fingerprint differs from the models': the models changed since the build",
    )
    # Opting out of the fingerprint check still cannot search a file without the index.
    graph = make_graph(paths={"Places": str(path)}, read_only=True, refuse_stale=False)
    try:
        with pytest.raises(SchemaMismatchError, match="place_fts"):
            with Places.new_context(graph):
                PlaceStore().count()
    finally:
        dispose_sqlite_connections(graph)
    assert folder_snapshot(tmp_path) == before


def test_verify_checks_the_index_against_the_rows(tmp_path):
    path = build_places(tmp_path)

    result = verify_artifact(path, Places)
    assert result.sound, result.failures
    assert result.passed == ["file", "digest", "integrity", "search index", "schema", "metadata"]

    # A row changed in place without its index (then restamped, so the digest passes): the index
    # no longer says what the rows say.
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("UPDATE place SET name = 'Gatwick' WHERE code = 'LHR'")
        connection.commit()
    restamp(path)
    result = verify_artifact(path)
    assert any("search index 'place_fts' does not match its table's rows" in failure for failure in result.failures)


def test_verify_of_a_file_without_search_says_nothing_of_it(tmp_path):
    without_base, _ = places_base(search=None)
    path = build_places(tmp_path, base=without_base)

    assert verify_artifact(path).passed == ["file", "digest", "integrity", "metadata"]


def test_searching_a_read_only_artifact_writes_nothing(tmp_path):
    path = build_places(tmp_path)
    before = folder_snapshot(tmp_path)
    mtime = path.stat().st_mtime_ns

    graph = make_graph(paths={"Places": str(path)}, read_only=True)
    try:
        with Places.new_context(graph):
            store = PlaceStore()
            assert store.search(q="zurich", prefix=True).all()
            store.count(q="london")
            store.first(match="city:london")
            list(store.search(q="airport", limit=2).rows())
            with pytest.raises(SearchSyntaxError):
                store.search(match="NEAR(")
    finally:
        dispose_sqlite_connections(graph)

    assert folder_snapshot(tmp_path) == before
    assert path.stat().st_mtime_ns == mtime


def test_searching_issues_no_statement_that_could_write(tmp_path):
    # SQLite's authorizer sees every action a statement takes: a search reads, and only reads.
    path = build_places(tmp_path)
    graph = make_graph(paths={"Places": str(path)}, read_only=True)
    actions = []
    reads = {sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_PRAGMA}

    def authorizer(action, table, *args):
        # FTS5 declares its columns to SQLite as it connects (sqlite3_declare_vtab), which SQLite
        # authorizes as an UPDATE of sqlite_master's columns in memory: no statement, no write.
        if not (action == sqlite3.SQLITE_UPDATE and table == "sqlite_master"):
            actions.append(action)
        return sqlite3.SQLITE_OK

    try:
        with Places.new_context(graph) as context:
            context.session.connection().connection.dbapi_connection.set_authorizer(authorizer)
            PlaceStore().search(q="zurich").all()
            PlaceStore().count(q="zurich", prefix=True)
            PlaceStore().search(match="zurich OR london").all()
    finally:
        dispose_sqlite_connections(graph)

    assert actions
    assert set(actions) <= reads, {action for action in actions if action not in reads}


@pytest.mark.parametrize(
    "search, message",
    [
        (("nosuch",), "names 'nosuch', which is not a column of table 'place'"),
        ({"name": 0}, "must be a positive number"),
        ({"name": -1.0}, "must be a positive number"),
        ({"name": "heavy"}, "must be a positive number"),
        ({"name": True}, "must be a positive number"),
        ((), "names no column"),
        (("name", "name"), "names 'name' twice"),
        (42, "must be column names or a mapping"),
    ],
)
def test_a_bad_declaration_fails_where_the_model_is_defined(search, message):
    with pytest.raises(SearchDeclarationError, match=message):
        places_base(search)


def test_one_column_may_be_named_alone():
    from microcosm_sqlite._fulltext import search_index

    _, model = places_base("name")

    assert search_index(model.__table__).columns == ("name",)
    assert search_index(model.__table__).weights == (1.0,)


def test_a_store_of_the_model_searches_through_any_store_class(tmp_path):
    class PlainPlaceStore(Store):
        model_class = Place

    path = build_places(tmp_path)
    graph = make_graph(paths={"Places": str(path)}, read_only=True)
    try:
        with Places.new_context(graph):
            assert [place.code for place in PlainPlaceStore().search(q="heathrow")] == ["LHR"]
    finally:
        dispose_sqlite_connections(graph)
