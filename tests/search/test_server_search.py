"""
Search by words on a dataset published to PostgreSQL: what `publish` creates for it, that searches
are answered from its index, that its folding agrees with FTS5's, and that a dataset published
without it is refused rather than served unfiltered.

"""

import pytest
from sqlalchemy import Column, Integer, String

from microcosm_sqlite import DataSet, Store, dispose_sqlite_connections
from microcosm_sqlite.artifacts import build_artifact, publish_artifact, verify_artifact
from microcosm_sqlite.errors import SchemaMismatchError
from tests.support.graphs import make_graph
from tests.support.places import Place, Places, PlaceStore, write_places_csv
from tests.support.postgres import publish_for_tests, server_rows


def codes(results):
    return [place.code for place in results]


def test_publish_creates_the_fold_function_and_a_words_table_with_a_gin_index_and_copies_no_fts5_table(
    published_places,
):
    tables = server_rows(published_places, "SELECT tablename FROM pg_tables WHERE schemaname = 'places' ORDER BY 1")
    (index,) = server_rows(
        published_places,
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'places' AND indexname = 'place_fts'",
    )
    functions = server_rows(
        published_places,
        "SELECT p.provolatile FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'places' AND p.proname = 'microcosm_sqlite_fold'",
    )
    words = server_rows(
        published_places,
        "SELECT code, _words_name::text, _words_city::text, _words_code::text, _document::text "
        "FROM places._microcosm_sqlite_words_place WHERE code IN ('ZRH', 'GRU') ORDER BY code",
    )

    assert tables == [("_microcosm_sqlite_metadata",), ("_microcosm_sqlite_words_place",), ("place",)]
    assert index[0] == "_microcosm_sqlite_words_place" and "USING gin (_document)" in index[1]
    assert functions == [("i",)]  # IMMUTABLE
    # Each row's words, folded once (accents off, lower case), and all of them in its document.
    assert words == [
        (
            "GRU",  # São Paulo–Guarulhos International Airport, São Paulo, GRU
            "'airport':5 'guarulhos':3 'international':4 'paulo':2 'sao':1",
            "'paulo':2 'sao':1",
            "'gru':1",
            "'airport':5 'gru':8 'guarulhos':3 'international':4 'paulo':2,7 'sao':1,6",
        ),
        ("ZRH", "'airport':2 'zurich':1", "'zurich':1", "'zrh':1", "'airport':2 'zrh':4 'zurich':1,3"),
    ]


def explain(url, options="", **search):
    """PostgreSQL's plan of the statement `PlaceStore().search(**search)` sends, one line a row."""
    import psycopg

    graph = make_graph(paths={"Places": url}, read_only=True)
    try:
        with Places.new_context(graph) as context:
            query = PlaceStore()._search_query(None, None, **search)
            statement = query.statement.compile(dialect=context.session.bind.dialect)
            params = {**statement.params, **query._params}  # the words, bound by Query.params()
    finally:
        dispose_sqlite_connections(graph)
    with psycopg.connect("postgresql://" + url.partition("://")[2]) as connection:
        connection.execute("SET search_path TO places")
        # Few rows: the planner would rather read them all (or walk them in key order to merge them
        # with the words table's), unless told that costs more; on thousands it picks the GIN index.
        connection.execute("SET enable_seqscan = off")
        connection.execute("SET enable_indexscan = off")
        return "\n".join(row[0] for row in connection.execute(f"EXPLAIN {options} {statement}", params))


def test_a_search_is_answered_from_the_gin_index(published_places):
    plan = explain(published_places, q="zurich", country="CH")

    assert "Index Scan on place_fts" in plan


def test_a_search_reads_the_stored_words_and_folds_nothing(published_places):
    # Folding in the search (an index on an expression of the fold function) had PostgreSQL inline
    # the function's body (a separator class of some 800 characters) and plan it again at every
    # call site of every query, once per column in the match and again in the rank, and refold
    # every matched row to rank it.
    plan = explain(published_places, "(VERBOSE)", q="zurich", prefix=True)

    assert "Index Scan on place_fts" in plan
    assert "_words_name" in plan and "_document @@" in plan
    assert "microcosm_sqlite_fold" not in plan and "regexp_replace" not in plan and "normalize" not in plan


def test_a_search_statement_is_compiled_once_and_then_read_from_sqlalchemys_cache(published_places):
    from sqlalchemy import event
    from sqlalchemy.engine.default import CacheStats

    graph = make_graph(paths={"Places": published_places}, read_only=True)
    seen = []
    try:
        with Places.new_context(graph) as context:
            engine = context.session.get_bind(mapper=Place.__mapper__)

            def record(connection, cursor, statement, parameters, execution_context, executemany):
                if "_document @@" in statement:
                    seen.append(execution_context.cache_hit)

            event.listen(engine, "before_cursor_execute", record)
            try:
                for q in ("zurich", "london", "sao paulo", "heath"):
                    assert [place.code for place in PlaceStore().search(q=q, prefix=True)]
            finally:
                event.remove(engine, "before_cursor_execute", record)
    finally:
        dispose_sqlite_connections(graph)

    # Compiled again on every search, the statement cost more client time (2 ms) than the server's.
    assert len(seen) == 4 and seen[1:] == [CacheStats.CACHE_HIT] * 3


#: Names (and their upper case as the city) whose letters unicode61 folds, or keeps (ł, ø, ß, æ, þ,
#: Greek and Cyrillic accents), and separators it splits words at.
FOLDED = [
    ("ZRH", "Zürich"),
    ("GRU", "São Paulo"),
    ("KRK", "Kraków"),
    ("MMX", "Malmö"),
    ("LCJ", "Łódź"),
    ("TOS", "Tromsø"),
    ("STR", "Straße"),
    ("AER", "Ærøskøbing"),
    ("DAD", "Đà Nẵng"),
    ("IST", "İstanbul"),
    ("ATH", "Αθήνα"),
    ("KBP", "Київ"),
    ("NCE", "Nice–Côte d'Azur"),
    ("REK", "Reykjavík·Þingvellir"),
    ("FOO", "foo.example.com 1.5 jean-pierre o_hare"),
]
QUERIES = [
    "zurich", "Zürich", "ZURICH", "sao paulo", "São", "krakow", "Kraków", "malmo", "Malmö", "lodz", "łodz", "Łódź",
    "ŁÓDŹ", "tromso", "tromsø", "strasse", "straße", "aeroskobing", "ærøskøbing", "da nang", "đa nang", "Đà Nẵng",
    "istanbul", "i̇stanbul", "αθηνα", "αθήνα", "Αθήνα", "киив", "київ", "Київ", "cote", "côte d'azur", "azur",
    "nice cote", "thingvellir", "þingvellir", "reykjavik", "example", "foo example com", "1", "5", "jean pierre",
    "hare", "o_hare", "STRASSE", "ÆRØSKØBING",
]  # fmt: skip


def test_accents_and_case_fold_as_fts5_folds_them(tmp_path, postgres_url):
    rows = [(code, name, name.upper(), "XX", 1) for code, name in FOLDED]
    artifact = tmp_path / "folded.db"
    build_artifact(artifact, Places, [(Place, write_places_csv(tmp_path / "place.csv", rows))])
    url = publish_for_places(artifact, postgres_url, "folded")
    answers = {}
    for backend, location in (("sqlite", str(artifact)), ("postgresql", url)):
        graph = make_graph(paths={"Places": location}, read_only=True)
        try:
            with Places.new_context(graph):
                answers[backend] = {
                    q: (
                        sorted(codes(PlaceStore().search(q=q))),
                        sorted(codes(PlaceStore().search(q=q[:3], prefix=True))),
                    )
                    for q in QUERIES
                }
        finally:
            dispose_sqlite_connections(graph)

    assert answers["postgresql"] == answers["sqlite"]
    # And what FTS5 folds, PostgreSQL folds: accents off Latin letters, never ł, ø, ß or Greek accents.
    assert answers["postgresql"]["lodz"] == ([], [])
    assert answers["postgresql"]["łodz"][0] == ["LCJ"]
    assert answers["postgresql"]["krakow"][0] == ["KRK"]
    assert answers["postgresql"]["tromso"][0] == []
    assert answers["postgresql"]["example"][0] == ["FOO"]
    assert answers["postgresql"]["αθηνα"][0] == []
    assert answers["postgresql"]["Αθήνα"][0] == ["ATH"]


def publish_for_places(artifact, url, schema):
    publish_artifact(artifact, url, Places, schema=schema)
    return f"{url}&schema={schema}"


def test_a_dataset_published_without_the_search_index_is_refused_never_served_unfiltered(postgres_url, places_db):
    # Published as a copy of the models' tables, as `publish` did before search reached PostgreSQL.
    url = publish_for_tests(places_db, postgres_url, Places, schema="places_before")
    graph = make_graph(paths={"Places": url}, read_only=True)
    try:
        with Places.new_context(graph):
            for call in (
                lambda: PlaceStore().search(q="london"),
                lambda: PlaceStore().count(q="london"),
                lambda: PlaceStore().first(q="london", prefix=True),
            ):
                with pytest.raises(SchemaMismatchError, match="no search index") as raised:
                    call()
                message = str(raised.value)
                assert "Places" in message and "publish" in message and "place_fts" in message
            # Everything else about the dataset still works.
            assert PlaceStore().count() == 13
    finally:
        dispose_sqlite_connections(graph)


def test_a_dataset_published_before_its_words_were_stored_is_refused_and_verify_says_publish_again(
    postgres_url, places_db
):
    from tests.support.postgres import server_execute

    # The layout an earlier publish made: the fold function, and the GIN index on an expression of
    # it over the table itself, with no words table.
    url = publish_for_places(places_db, postgres_url, "places_earlier")
    fold = "places_earlier.microcosm_sqlite_fold"
    server_execute(
        postgres_url,
        "DROP TABLE places_earlier._microcosm_sqlite_words_place",
        "CREATE INDEX place_fts ON places_earlier.place USING gin (to_tsvector('simple', "
        f"{fold}(CAST(name AS TEXT)) || ' ' || {fold}(CAST(city AS TEXT)) || ' ' || {fold}(CAST(code AS TEXT))))",
    )
    graph = make_graph(paths={"Places": url}, read_only=True)
    try:
        with Places.new_context(graph):
            with pytest.raises(SchemaMismatchError, match="no search index") as raised:
                PlaceStore().search(q="zurich")
            assert PlaceStore().count() == 13
    finally:
        dispose_sqlite_connections(graph)
    verified = verify_artifact(url, Places)

    message = str(raised.value)
    assert "Places" in message and "publish the artifact again" in message and "place_fts" in message
    assert not verified.sound
    assert any("has no search index (place_fts)" in failure for failure in verified.failures)


def test_verify_checks_the_search_index_of_a_published_dataset(postgres_url, places_db, published_places):
    before = publish_for_tests(places_db, postgres_url, Places, schema="places_unindexed")

    verified = verify_artifact(published_places, Places)
    unindexed = verify_artifact(before, Places)

    assert verified.sound, verified.failures
    assert "search index" in verified.passed
    assert not unindexed.sound
    assert any("has no search index (place_fts)" in failure for failure in unindexed.failures)
    assert any("microcosm_sqlite_fold" in failure for failure in unindexed.failures)


def test_searching_by_words_sends_the_server_nothing_but_reads(postgres_server, published_places):
    from tests.support.postgres import READER_STATEMENTS, statements_seen_by_server

    with statements_seen_by_server(postgres_server, published_places, "reader_words") as (url, seen):
        graph = make_graph(paths={"Places": url}, read_only=True)
        with Places.new_context(graph):
            assert codes(PlaceStore().search(q="zurich airport")) == ["ZRH"]
            assert PlaceStore().count(q="heath", prefix=True) == 2
            assert PlaceStore().first(q="sao paulo").code == "GRU"
    dispose_sqlite_connections(graph)

    # (The log shows each statement's first line.) The index check, and the search's cursor.
    assert any(statement.startswith("SELECT EXISTS (") for statement in seen), "the witness is blind"
    assert any(statement.startswith("DECLARE") for statement in seen), "the witness is blind"
    assert [statement for statement in seen if not statement.upper().startswith(READER_STATEMENTS)] == []


Ledgers = DataSet.create("Ledgers")


class LongNamedEntry(Ledgers):
    # Long enough that its words table's name passes PostgreSQL's 63 bytes, which it truncates.
    __tablename__ = "ledger_entries_of_the_reference_data_archive_2026"
    __search__ = ("label",)

    book = Column(String, primary_key=True)
    number = Column(Integer, primary_key=True)
    label = Column(String, nullable=False)


class EntryStore(Store):
    model_class = LongNamedEntry


def test_a_table_with_a_long_name_and_a_composite_key_is_searched_as_on_the_file(tmp_path, postgres_url):
    source = tmp_path / "entries.csv"
    source.write_text(
        "book,number,label\nA,1,Zürich airport fees\nA,2,Geneva fees\nB,1,zurich taxis\nB,2,Bern zurich zurich\n",
        encoding="utf-8",
    )
    artifact = tmp_path / "ledgers.db"
    build_artifact(artifact, Ledgers, [(LongNamedEntry, source)])
    publish_artifact(artifact, postgres_url, Ledgers)
    answers = {}
    for backend, location in (("sqlite", str(artifact)), ("postgresql", postgres_url)):
        graph = make_graph(paths={"Ledgers": location}, read_only=True)
        try:
            with Ledgers.new_context(graph):
                answers[backend] = [
                    sorted((entry.book, entry.number) for entry in EntryStore().search(q=q)) for q in ("zurich", "fees")
                ]
        finally:
            dispose_sqlite_connections(graph)

    assert answers["postgresql"] == answers["sqlite"] == [[("A", 1), ("B", 1), ("B", 2)], [("A", 1), ("A", 2)]]
