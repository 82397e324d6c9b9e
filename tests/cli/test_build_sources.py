"""
`microcosm-sqlite build --models MODULE:Base -o DATASET.db TABLE=FILE ...`: an artifact from sources,
with no build script, through the same machinery as `build_artifact`.

Each test runs the installed command in a project folder of its own, whose models module imports
from that folder (as a user's project would, uninstalled).

"""

import json

import pytest

from microcosm_sqlite.artifacts import read_metadata
from tests.support.cli import run

MODELS = '''\
"""A user's models, importable only from the project folder."""
import enum

from sqlalchemy import Column, ForeignKey, Integer, String

from microcosm_sqlite import DataSet
from microcosm_sqlite.types import EnumType

Library = DataSet.create("Library")


class Genre(enum.Enum):
    NOVEL = "novel"
    ESSAY = "essay"


class Author(Library):
    __tablename__ = "author"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


class Book(Library):
    __tablename__ = "book"
    id = Column(Integer, primary_key=True)
    title = Column(String, nullable=False)
    author_id = Column(Integer, ForeignKey("author.id"), nullable=False)
    genre = Column(EnumType(Genre), nullable=False)
'''

AUTHORS = "id,name\n1,Ursula K. Le Guin\n2,Italo Calvino\n"
BOOKS = "".join(
    json.dumps(book) + "\n"
    for book in (
        {"id": 10, "title": "The Dispossessed", "author_id": 1, "genre": "NOVEL"},
        {"id": 11, "title": "Six Memos", "author_id": 2, "genre": "ESSAY"},
    )
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "__init__.py").write_text("")
    (tmp_path / "library" / "models.py").write_text(MODELS)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "authors.csv").write_text(AUTHORS)
    (tmp_path / "sources" / "books.jsonl").write_text(BOOKS)
    return tmp_path


def build(project, *args):
    return run("build", "--models", "library.models:Library", *args, cwd=project)


def test_build_from_sources_makes_a_verified_artifact(project):
    result = build(project, "-o", "datasets/library.db", "author=sources/authors.csv", "book=sources/books.jsonl")

    assert result.returncode == 0, result.stderr
    artifact = project / "datasets" / "library.db"
    info = read_metadata_of(artifact)
    assert {name: table.rows for name, table in info.tables.items()} == {"author": 2, "book": 2}
    assert sorted((source.table, source.name) for source in info.sources) == [
        ("author", "authors.csv"),
        ("book", "books.jsonl"),
    ]
    assert "Library.book: 2 rows" in result.stderr
    assert "datasets/library.db: built in " in result.stderr and info.content_hash[:12] in result.stderr
    assert run("verify", artifact, "--models", "library.models:Library", cwd=project).returncode == 0


def test_the_same_sources_give_the_same_content_hash_as_build_artifact(project, tmp_path):
    # The JSON array form of the same books: the format comes from each file's extension.
    (project / "sources" / "books.json").write_text(json.dumps([json.loads(line) for line in BOOKS.splitlines()]))
    script = (
        "from library.models import Author, Book, Library\n"
        "from microcosm_sqlite.artifacts import build_artifact\n"
        "info = build_artifact('in_python.db', Library, [(Author, 'sources/authors.csv'), (Book, 'sources/books.json')])\n"
        "print(info.content_hash)\n"
    )
    (project / "build_in_python.py").write_text(script)

    by_cli = build(project, "-o", "by_cli.db", "book=sources/books.json", "author=sources/authors.csv")
    in_python = run("build", "build_in_python.py", cwd=project)

    assert by_cli.returncode == 0, by_cli.stderr
    assert in_python.returncode == 0, in_python.stderr
    assert read_metadata_of(project / "by_cli.db").content_hash == in_python.stdout.strip()


def test_bad_input_is_one_line_and_keeps_the_previous_artifact(project):
    assert build(project, "-o", "library.db", "author=sources/authors.csv", "book=sources/books.jsonl").returncode == 0
    before = (project / "library.db").read_bytes()
    (project / "sources" / "authors.csv").write_text("id,name\n1,Ursula K. Le Guin\nII,Italo Calvino\n")

    result = build(project, "-o", "library.db", "author=sources/authors.csv", "book=sources/books.jsonl")

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: dataset 'Library', sources/authors.csv, line 3, column 'id': 'II' is not an integer; "
        "fix the value in the source, or change the column's type in the model"
    )
    assert "Traceback" not in result.stderr
    assert (project / "library.db").read_bytes() == before


def test_a_column_the_model_lacks_names_the_option_that_skips_it(project):
    (project / "sources" / "authors.csv").write_text("id,name,born\n1,Ursula K. Le Guin,1929\n2,Italo Calvino,1923\n")

    refused = build(project, "-o", "library.db", "author=sources/authors.csv")
    ignored = build(project, "--ignore-columns", "-o", "library.db", "author=sources/authors.csv")

    assert refused.returncode == 1
    assert "column 'born'" in refused.stderr and "--ignore-columns" in refused.stderr
    assert "ignore_columns=True" not in refused.stderr
    assert ignored.returncode == 0, ignored.stderr
    assert read_metadata_of(project / "library.db").tables["author"].rows == 2


def test_a_build_script_the_command_runs_is_told_the_keyword_argument(project):
    (project / "sources" / "authors.csv").write_text("id,name,born\n1,Ursula K. Le Guin,1929\n")
    (project / "build_library.py").write_text(
        "from library.models import Author, Library\n"
        "from microcosm_sqlite.artifacts import build_artifact\n"
        "build_artifact('library.db', Library, [(Author, 'sources/authors.csv')])\n"
    )

    result = run("build", "build_library.py", cwd=project)

    assert result.returncode == 1
    assert "build with ignore_columns=True" in result.stderr and "--ignore-columns" not in result.stderr


def test_an_unknown_table_is_a_usage_error_naming_the_tables(project):
    result = build(project, "-o", "library.db", "authors=sources/authors.csv")

    assert result.returncode == 2
    assert "'authors'" in result.stderr and "author, book" in result.stderr and "--models" in result.stderr
    assert not (project / "library.db").exists()


def test_an_unknown_extension_is_a_usage_error_naming_the_formats(project):
    (project / "sources" / "authors.txt").write_text(AUTHORS)

    result = build(project, "-o", "library.db", "author=sources/authors.txt")

    assert result.returncode == 2
    assert "sources/authors.txt" in result.stderr and ".csv, .json, .jsonl" in result.stderr
    assert not (project / "library.db").exists()


def test_a_missing_source_is_a_usage_error_naming_it(project):
    result = build(project, "-o", "library.db", "author=sources/writers.csv")

    assert result.returncode == 2
    assert "sources/writers.csv" in result.stderr and "does not exist" in result.stderr
    assert not (project / "library.db").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (("-o", "library.db", "sources/authors.csv"), "TABLE=FILE"),
        (("author=sources/authors.csv",), "-o"),
        (("-o", "library.db"), "TABLE=FILE"),
    ],
)
def test_malformed_source_builds_are_usage_errors(project, args, message):
    result = build(project, *args)

    assert result.returncode == 2
    assert message in result.stderr


def test_sources_without_models_are_a_usage_error(project):
    result = run("build", "-o", "library.db", "author=sources/authors.csv", cwd=project)

    assert result.returncode == 2
    assert "--models" in result.stderr


def test_a_build_script_may_import_a_package_of_the_current_directory(project):
    (project / "build_scripts").mkdir()
    (project / "build_scripts" / "build_library.py").write_text(
        "from library.models import Author, Library\n"
        "from microcosm_sqlite.artifacts import build_artifact\n"
        "build_artifact('library.db', Library, [(Author, 'sources/authors.csv')])\n"
    )

    result = run("build", cwd=project)

    assert result.returncode == 0, result.stderr
    assert (project / "library.db").exists()


def read_metadata_of(path):
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return read_metadata(connection, "Library", path)
