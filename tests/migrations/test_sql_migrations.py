"""
Numbered SQL migrations (`NNN_name.sql`) run on real files, in order, once each.

"""

import hashlib
import multiprocessing
import sqlite3
from datetime import datetime

import pytest

from microcosm_sqlite import DataSet, dispose_sqlite_connections
from microcosm_sqlite.errors import (
    AppliedMigrationChangedError,
    MigrationError,
    MigrationFailedError,
    MigrationFileError,
    MigrationNumberingError,
    MigrationsNotFoundError,
    ReadOnlyDataSetError,
)
from microcosm_sqlite.sql_migrations import pending_migrations, run_migrations
from tests.support.graphs import make_graph

Notes = DataSet.create("Notes")

CREATE = "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"
ADD_COLUMN = "ALTER TABLE note ADD COLUMN tag TEXT;\n"
SEED = "INSERT INTO note (body, tag) VALUES ('first', 'a');\nINSERT INTO note (body, tag) VALUES ('second', 'b');\n"


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "migrations"
    path.mkdir()
    return path


@pytest.fixture
def database(tmp_path):
    return tmp_path / "notes.db"


@pytest.fixture
def graph(database):
    graph = make_graph(paths={"Notes": str(database)})
    yield graph
    dispose_sqlite_connections(graph)


def write(folder, **files: str) -> None:
    for name, sql in files.items():
        (folder / f"{name}.sql").write_text(sql)


def applied(database) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as connection:
        return list(connection.execute("SELECT name, sha256, applied_at FROM _migrations ORDER BY applied_at, name"))


def tables(database) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]


def notes(database) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return list(connection.execute("SELECT * FROM note ORDER BY id"))


def test_every_file_is_applied_in_numeric_order_and_recorded(graph, folder, database):
    # 10 sorts before 9 as text: the order must come from the numbers.
    files = {"1_create": "CREATE TABLE step (number INTEGER NOT NULL);\nINSERT INTO step VALUES (1);\n"}
    files.update({f"{n}_step_{n}": f"INSERT INTO step VALUES ({n});\n" for n in range(2, 12)})
    write(folder, **files)
    (folder / "README.md").write_text("Not a migration: only .sql files count.\n")

    assert run_migrations(graph, Notes, folder) == [f"{name}.sql" for name in files]

    with sqlite3.connect(database) as connection:
        assert [row[0] for row in connection.execute("SELECT number FROM step ORDER BY rowid")] == list(range(1, 12))
    records = applied(database)
    assert sorted(name for name, _, _ in records) == sorted(f"{name}.sql" for name in files)
    for name, sha256, applied_at in records:
        assert sha256 == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert datetime.fromisoformat(applied_at).tzinfo is not None


def test_a_second_run_applies_nothing_and_a_new_file_alone_later(graph, folder, database):
    write(folder, **{"001_create": CREATE, "002_add_tag": ADD_COLUMN})
    assert run_migrations(graph, Notes, folder) == ["001_create.sql", "002_add_tag.sql"]
    before = applied(database)

    assert run_migrations(graph, Notes, folder) == []
    assert applied(database) == before

    write(folder, **{"003_seed": SEED})
    assert pending_migrations(graph, Notes, folder) == ["003_seed.sql"]
    assert run_migrations(graph, Notes, folder) == ["003_seed.sql"]
    assert notes(database) == [(1, "first", "a"), (2, "second", "b")]
    assert applied(database)[:2] == before


def test_statements_are_split_as_sqlite_reads_them(graph, folder, database):
    write(
        folder,
        **{
            "001_tricky": """
-- A comment; with a semicolon.
CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL); CREATE TABLE audit (body TEXT);
/* a block comment; also with one */
CREATE TRIGGER note_audit AFTER INSERT ON note BEGIN
    INSERT INTO audit VALUES (new.body || '; audited');
END;
INSERT INTO note (body) VALUES ('semi;colon'), ('it''s; quoted');
INSERT INTO note (body) VALUES ('no final semicolon')
""",
        },
    )

    assert run_migrations(graph, Notes, folder) == ["001_tricky.sql"]

    assert notes(database) == [(1, "semi;colon"), (2, "it's; quoted"), (3, "no final semicolon")]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM audit").fetchone() == (3,)


@pytest.mark.parametrize(
    "data",
    [
        b"CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL) -- no semicolon, a comment last",
        b"\xef\xbb\xbf-- saved with a BOM\r\nCREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\r\n",
        b"-- only comments: a placeholder\n/* kept for its number */\n",
        b"",
    ],
    ids=["trailing-comment", "bom-crlf", "comments-only", "empty"],
)
def test_files_as_editors_save_them_apply(graph, folder, database, data):
    (folder / "001_first.sql").write_bytes(data)

    assert run_migrations(graph, Notes, folder) == ["001_first.sql"]
    assert ("note" in tables(database)) == (b"CREATE" in data)
    assert run_migrations(graph, Notes, folder) == []


def test_a_bom_does_not_hide_a_transaction_statement(graph, folder, database):
    (folder / "001_create.sql").write_bytes(b"\xef\xbb\xbfBEGIN;\n" + CREATE.encode())

    with pytest.raises(MigrationFileError, match=r"001_create\.sql, line 1: BEGIN would end the transaction"):
        run_migrations(graph, Notes, folder)


def test_a_file_that_is_not_utf8_is_an_error_naming_it(graph, folder, database):
    (folder / "001_create.sql").write_bytes("INSERT INTO note (body) VALUES ('caf\xe9');".encode("latin-1"))

    with pytest.raises(MigrationFileError, match=r"001_create\.sql is not UTF-8 \(byte 36\); save it as UTF-8"):
        run_migrations(graph, Notes, folder)


def test_a_journal_mode_pragma_in_a_file_is_refused_not_ignored(graph, folder, database):
    # Inside a transaction SQLite either ignores it without a word (the file would be recorded as
    # applied, the dataset left in its old mode) or fails, depending on the file's state.
    write(folder, **{"001_create": CREATE, "002_wal": "-- readers should not wait\nPRAGMA main.journal_mode = WAL;\n"})

    with pytest.raises(MigrationFileError, match=r"002_wal\.sql, line 2: .*journal_mode.*sqlite\.journal_mode"):
        run_migrations(graph, Notes, folder)
    assert not database.exists() or "note" not in tables(database)


def test_the_sql_extension_is_matched_whatever_its_case(graph, folder, database):
    # Case-insensitive file systems (macOS, Windows) and case-sensitive ones must see the same files.
    write(folder, **{"001_create": CREATE})
    (folder / "002_add_tag.SQL").write_text(ADD_COLUMN)
    (folder / "003_notes.txt").write_text("not a migration")

    assert run_migrations(graph, Notes, folder) == ["001_create.sql", "002_add_tag.SQL"]


def test_a_failing_migration_is_rolled_back_alone_and_stops_the_run(graph, folder, database):
    write(
        folder,
        **{
            "001_create": CREATE,
            "002_seed_badly": "INSERT INTO note (body) VALUES ('kept only if all of 002 runs');\n\nINSERT INTO nowhere VALUES (1);\n",
            "003_add_tag": ADD_COLUMN,
        },
    )

    with pytest.raises(MigrationFailedError) as raised:
        run_migrations(graph, Notes, folder)

    message = str(raised.value)
    assert "002_seed_badly.sql" in message and "line 3" in message and "no such table: nowhere" in message
    assert "001_create.sql" in message  # what was kept
    assert [name for name, _, _ in applied(database)] == ["001_create.sql"]
    assert notes(database) == []  # 002's first statement went with it
    assert pending_migrations(graph, Notes, folder) == ["002_seed_badly.sql", "003_add_tag.sql"]

    # Fixed, the run resumes where it stopped.
    write(folder, **{"002_seed_badly": "INSERT INTO note (body) VALUES ('kept');\n"})
    assert run_migrations(graph, Notes, folder) == ["002_seed_badly.sql", "003_add_tag.sql"]
    assert notes(database) == [(1, "kept", None)]


def test_a_migration_that_breaks_foreign_keys_is_rolled_back(graph, folder, database):
    write(
        folder,
        **{
            "001_create": "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\n"
            "INSERT INTO parent VALUES (1);\nINSERT INTO child VALUES (10, 1);\n",
            # SQLite's own recipe for changing a table: rebuild it, with foreign keys off meanwhile.
            "002_rebuild_parent": "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);\n"
            "INSERT INTO parent_new (id) SELECT id FROM parent;\nDROP TABLE parent;\n"
            "ALTER TABLE parent_new RENAME TO parent;\n",
            "003_lose_parent": "DELETE FROM parent;\n",
        },
    )

    with pytest.raises(MigrationFailedError, match=r"003_lose_parent\.sql .*broken foreign key"):
        run_migrations(graph, Notes, folder)

    # The rebuild kept the child (a cascade would have deleted it); the deletion was rolled back.
    with sqlite3.connect(database) as connection:
        assert list(connection.execute("SELECT * FROM child")) == [(10, 1)]
        assert list(connection.execute("SELECT * FROM parent")) == [(1, None)]
    with graph.sqlite("Notes").engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_commit_that_times_out_on_a_reader_names_the_file(tmp_path, folder, database):
    write(folder, **{"001_create": CREATE})
    graph = make_graph(paths={"Notes": str(database)}, busy_timeout=0.1)
    run_migrations(graph, Notes, folder)
    write(folder, **{"002_seed": "INSERT INTO note (body) VALUES ('first');\n"})

    # Under a rollback journal COMMIT needs every reader gone: one stays in its read transaction.
    reader = sqlite3.connect(database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM note").fetchone()
    try:
        with pytest.raises(
            MigrationError,
            match=r"002_seed\.sql ran but could not commit: database is locked; the file was rolled back",
        ) as raised:
            run_migrations(graph, Notes, folder)
        assert "journal_mode" in str(raised.value)
    finally:
        reader.close()

    assert [name for name, _, _ in applied(database)] == ["001_create.sql"]
    assert notes(database) == []
    assert run_migrations(graph, Notes, folder) == ["002_seed.sql"]
    dispose_sqlite_connections(graph)


def test_an_applied_file_that_changed_is_an_error_naming_it(graph, folder, database):
    write(folder, **{"001_create": CREATE, "002_add_tag": ADD_COLUMN})
    run_migrations(graph, Notes, folder)
    write(folder, **{"002_add_tag": "ALTER TABLE note ADD COLUMN label TEXT;\n", "003_seed": SEED})
    before = database.read_bytes()

    for call in (run_migrations, pending_migrations):
        with pytest.raises(AppliedMigrationChangedError, match=r"002_add_tag\.sql was applied .* has changed since"):
            call(graph, Notes, folder)
    assert database.read_bytes() == before


def test_line_endings_and_a_bom_are_not_a_change(graph, folder, database):
    # A Windows checkout (git core.autocrlf) of files applied from Linux, saved by an editor that adds a BOM.
    write(folder, **{"001_create": CREATE, "002_seed": "INSERT INTO note (body) VALUES ('first');\n"})
    assert run_migrations(graph, Notes, folder) == ["001_create.sql", "002_seed.sql"]
    for path in folder.iterdir():
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))

    assert pending_migrations(graph, Notes, folder) == []
    assert run_migrations(graph, Notes, folder) == []


def test_an_applied_file_that_was_renamed_is_an_error_naming_both(graph, folder, database):
    write(folder, **{"001_create": CREATE, "002_add_tag": ADD_COLUMN})
    run_migrations(graph, Notes, folder)
    (folder / "002_add_tag.sql").rename(folder / "002_add_label.sql")

    with pytest.raises(
        AppliedMigrationChangedError, match=r"002_add_tag\.sql was applied .* renamed to 002_add_label\.sql"
    ):
        run_migrations(graph, Notes, folder)


def test_an_applied_file_that_was_deleted_is_an_error_naming_it(graph, folder, database):
    write(folder, **{"001_create": CREATE, "002_add_tag": ADD_COLUMN})
    run_migrations(graph, Notes, folder)
    (folder / "002_add_tag.sql").unlink()

    with pytest.raises(AppliedMigrationChangedError, match=r"002_add_tag\.sql was applied .* no longer in the folder"):
        run_migrations(graph, Notes, folder)


def test_an_applied_file_renumbered_is_an_error(graph, folder, database):
    write(folder, **{"001_create": CREATE, "002_add_tag": ADD_COLUMN})
    run_migrations(graph, Notes, folder)
    (folder / "002_add_tag.sql").rename(folder / "003_add_tag.sql")
    write(folder, **{"002_seed": SEED})

    with pytest.raises(
        AppliedMigrationChangedError, match=r"002_add_tag\.sql was applied .* renamed to 003_add_tag\.sql"
    ):
        run_migrations(graph, Notes, folder)


@pytest.mark.parametrize(
    "names, problem",
    [
        (["001_create", "003_seed"], r"number 2 is missing: 001_create\.sql is followed by 003_seed\.sql"),
        (["002_create", "003_seed"], r"numbering starts at 1, and 002_create\.sql is first"),
        (["001_create", "002_seed", "002_tag"], r"002_seed\.sql and 002_tag\.sql have the same number"),
        (["001_create", "01_seed"], r"001_create\.sql and 01_seed\.sql have the same number"),
        (["001_create", "seed"], r"seed\.sql is not named NNN_name\.sql"),
    ],
)
def test_bad_numbering_is_an_error_and_nothing_runs(graph, folder, database, names, problem):
    write(folder, **{name: CREATE if "create" in name else "SELECT 1;" for name in names})

    with pytest.raises(MigrationNumberingError, match=problem):
        run_migrations(graph, Notes, folder)
    assert not database.exists() or "note" not in tables(database)


def test_a_file_that_ends_the_transaction_itself_is_refused_before_anything_runs(graph, folder, database):
    write(folder, **{"001_create": CREATE, "002_seed": "BEGIN;\n" + SEED + "COMMIT;\n"})

    with pytest.raises(MigrationFileError, match=r"002_seed\.sql, line 1: BEGIN .*own transaction"):
        run_migrations(graph, Notes, folder)
    assert not database.exists() or "note" not in tables(database)


def test_a_migrations_table_made_by_another_tool_is_named_not_misread(graph, folder, database):
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE _migrations (id INTEGER PRIMARY KEY, version TEXT)")
    write(folder, **{"001_create": CREATE})
    before = database.read_bytes()

    for call in (run_migrations, pending_migrations):
        with pytest.raises(
            MigrationError, match=r"_migrations table has columns \(id, version\), not \(name, sha256, applied_at\)"
        ) as raised:
            call(graph, Notes, folder)
        assert "another tool" in str(raised.value)
    assert database.read_bytes() == before


def test_a_missing_folder_is_an_error(graph, tmp_path):
    with pytest.raises(MigrationsNotFoundError, match="does not exist"):
        run_migrations(graph, Notes, tmp_path / "nowhere")


def test_refused_on_a_read_only_dataset(tmp_path, folder, database, graph):
    write(folder, **{"001_create": CREATE})
    run_migrations(graph, Notes, folder)
    dispose_sqlite_connections(graph)
    write(folder, **{"002_add_tag": ADD_COLUMN})
    before = (sorted(path.name for path in tmp_path.iterdir()), database.read_bytes())

    read_only = make_graph(paths={"Notes": str(database)}, read_only=True)
    with pytest.raises(ReadOnlyDataSetError, match="cannot run SQL migrations"):
        run_migrations(read_only, Notes, folder)
    # Pending files can still be listed (check mode only reads).
    assert pending_migrations(read_only, Notes, folder) == ["002_add_tag.sql"]
    dispose_sqlite_connections(read_only)
    assert (sorted(path.name for path in tmp_path.iterdir()), database.read_bytes()) == before


def test_check_mode_never_creates_the_file_or_the_table(graph, folder, database):
    write(folder, **{"001_create": CREATE})

    assert pending_migrations(graph, Notes, folder) == ["001_create.sql"]
    assert not database.exists() or tables(database) == []


def test_check_mode_leaves_a_live_wal_dataset_in_wal(tmp_path, folder, database):
    write(folder, **{"001_create": CREATE})
    service = make_graph(paths={"Notes": str(database)}, journal_mode="wal")
    run_migrations(service, Notes, folder)
    write(folder, **{"002_add_tag": ADD_COLUMN})

    # A CI check configured with the default journal mode, while the service has the file open:
    # listing pending files reads, it must not try to switch the file out of WAL.
    with service.sqlite("Notes").engine.connect():
        check = make_graph(paths={"Notes": str(database)}, busy_timeout=0.1)
        assert pending_migrations(check, Notes, folder) == ["002_add_tag.sql"]
        dispose_sqlite_connections(check)
    dispose_sqlite_connections(service)
    assert database.read_bytes()[18:20] == b"\x02\x02"  # still WAL (https://www.sqlite.org/fileformat.html)


def test_the_errors_are_migration_errors():
    for error in (AppliedMigrationChangedError, MigrationNumberingError, MigrationFailedError):
        assert issubclass(error, MigrationFileError)
    assert issubclass(MigrationFileError, MigrationError)


# Two runners at once: real processes, one file.


def run_in_process(path: str, folder: str, journal_mode: str, start, results) -> None:
    try:
        graph = make_graph(paths={"Notes": path}, journal_mode=journal_mode)
        # Both start together, whichever took longer to import.
        start.wait(timeout=30)
        results.put(run_migrations(graph, Notes, folder))
    except BaseException as error:  # report, do not hang the parent
        results.put(repr(error))


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_two_processes_at_once_apply_each_file_exactly_once(tmp_path, folder, database, journal_mode):
    # Each file appends a row (no key to stop a second run): a file applied twice shows as two rows.
    files = {"001_create": "CREATE TABLE run (migration TEXT NOT NULL);\n"}
    # A recursive count makes each file take a moment, so the runners overlap.
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT count(*) FROM n;\n"
    files.update({f"{n:03}_step": f"{slow}INSERT INTO run VALUES ('{n:03}');\n" for n in range(2, 9)})
    write(folder, **files)

    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=run_in_process, args=(str(database), str(folder), journal_mode, start, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=90) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert all(isinstance(report, list) for report in reports), reports
    first, second = reports
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(f"{name}.sql" for name in files)
    with sqlite3.connect(database) as connection:
        assert [row[0] for row in connection.execute("SELECT migration FROM run ORDER BY rowid")] == [
            f"{n:03}" for n in range(2, 9)
        ]
    assert len(applied(database)) == len(files)


@pytest.mark.parametrize("check", [False, True])
def test_a_dataset_on_a_server_is_refused_before_connecting_without_its_password(folder, tmp_path, check):
    write(folder, **{"001_create": CREATE})
    # A socket folder with no server: connecting would fail with the driver's own error.
    graph = make_graph(paths={"Notes": f"postgresql://writer:s3cret@/notes?host={tmp_path}"})
    try:
        with pytest.raises(MigrationError, match="SQL migrations apply to an SQLite file") as raised:
            if check:
                pending_migrations(graph, Notes, folder)
            else:
                run_migrations(graph, Notes, folder)
    finally:
        dispose_sqlite_connections(graph)

    assert "s3cret" not in str(raised.value)
    assert "postgresql+psycopg://writer:***@/notes" in str(raised.value)
