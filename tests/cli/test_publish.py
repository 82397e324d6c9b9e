"""`microcosm-sqlite publish` and `verify URL`, run as users run them."""

import json

from tests.support.building import build_geography
from tests.support.cli import run


def test_publish_then_verify_the_published_dataset(postgres_url, tmp_path):
    artifact = tmp_path / "geography.db"
    info = build_geography(artifact)

    published = run(
        "publish", artifact, postgres_url, "--models", "tests.support.fixtures:Geography", "--schema", "geo"
    )
    republished = run("publish", artifact, postgres_url, "--schema", "geo", "--json")
    verified = run("verify", postgres_url, "--schema", "geo")

    assert published.returncode == 0, published.stderr
    assert published.stdout.startswith(f"{artifact}: published to postgresql+psycopg://postgres:***@/")
    assert f"as schema geo (10 rows in 2 tables, content hash {info.content_hash[:12]})" in published.stdout
    assert republished.returncode == 0, republished.stderr
    assert json.loads(republished.stdout)[0]["previous"] == "geo__previous_1"
    assert verified.returncode == 0, verified.stderr
    assert "sound (metadata, content checked)" in verified.stdout


def test_verify_fails_on_a_published_table_edited_since(postgres_url, tmp_path):
    from tests.support.postgres import server_execute

    artifact = tmp_path / "geography.db"
    build_geography(artifact)
    assert run("publish", artifact, postgres_url, "--schema", "geo_edited").returncode == 0
    server_execute(postgres_url, "DELETE FROM geo_edited.city WHERE id = 6")

    verified = run("verify", postgres_url, "--models", "tests.support.fixtures:Geography", "--schema", "geo_edited")

    assert verified.returncode == 1
    assert "FAILED dataset 'Geography' (postgresql+psycopg://postgres:***@/" in verified.stderr
    assert "table 'city' no longer matches its recorded content hash" in verified.stderr


def test_an_unreachable_server_is_one_line_with_the_password_masked(tmp_path):
    artifact = tmp_path / "geography.db"
    build_geography(artifact)

    published = run("publish", artifact, f"postgres://reader:s3cret@/nowhere?host={tmp_path}")

    assert published.returncode == 1
    assert "s3cret" not in published.stderr
    assert published.stderr.startswith("Error: dataset 'Geography' (postgres://reader:***@/nowhere?host=")
    assert len(published.stderr.strip().splitlines()) == 1


def with_password(url: str) -> str:
    # The suite's server trusts its socket's users, so any password connects: enough to see it masked.
    return url.replace("postgres:@", "postgres:s3cret@", 1)


def test_search_reads_a_published_dataset_by_url_by_words_too(postgres_url):
    url = with_password(postgres_url)
    # Published without --models: the search index is read from the artifact's own FTS5 index.
    assert run("publish", "datasets/airports.db", url, "--schema", "airports").returncode == 0

    found = run(
        "search",
        "reference_data.airports:AirportStore",
        "--path",
        url,
        "--filter",
        "iata=ZRH",
        "--columns",
        "icao",
        "--json",
    )
    by_words = run(
        "search", "reference_data.airports:AirportStore", "--path", url, "--q", "zurich", "--columns", "icao", "--json"
    )
    by_raw_syntax = run("search", "reference_data.airports:AirportStore", "--path", url, "--match", "zurich")

    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == [{"icao": "LSZH"}]
    assert by_words.returncode == 0, by_words.stderr
    assert json.loads(by_words.stdout)[0] == {"icao": "LSZH"}
    assert by_raw_syntax.returncode == 1
    assert "s3cret" not in by_raw_syntax.stderr
    assert by_raw_syntax.stderr.startswith("Error: dataset 'Airports': match= passes FTS5 query syntax")
    assert len(by_raw_syntax.stderr.strip().splitlines()) == 1


def test_commands_that_read_a_file_refuse_a_url_in_one_line_without_its_password(postgres_url, tmp_path):
    url = with_password(postgres_url)

    for args in (
        ("inspect", url),
        ("dump", url, "airport"),
        ("diff", url, "datasets/airports.db"),
        ("migrate-sql", "--path", url, "reference_data.airports:Airports", tmp_path),
    ):
        result = run(*args)

        assert result.returncode in (1, 2), (args, result.stderr)
        assert "s3cret" not in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)


def test_verify_of_an_unreachable_url_without_models_invents_no_dataset_name(tmp_path):
    verified = run("verify", f"postgres://reader:s3cret@/nowhere?host={tmp_path}")

    assert verified.returncode == 1
    assert verified.stderr.startswith("FAILED postgres://reader:***@/nowhere?host="), verified.stderr
    assert "cannot connect to the server" in verified.stderr
    assert "s3cret" not in verified.stderr


def test_verify_of_another_databases_url_says_so_without_its_password():
    verified = run("verify", "mysql://reader:s3cret@db.invalid/reference")

    assert verified.returncode == 1
    assert "s3cret" not in verified.stderr
    assert "mysql:// is not a supported PostgreSQL URL" in verified.stderr
    assert len(verified.stderr.strip().splitlines()) == 1
