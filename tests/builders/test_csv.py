"""
CSV sources as real tools write them: BOMs, CRLF, quoted newlines, huge fields, blank lines.

"""

import io

import pytest

from microcosm_sqlite.errors import BadValueError
from tests.support.fixtures import City, Country
from tests.support.graphs import DATA, load_geography, stored_rows


def test_a_bom_and_crlf_and_quoted_newlines_are_read(empty_graph):
    load_geography(empty_graph, (Country, DATA / "countries_bom.csv"))

    assert stored_rows(empty_graph, "Geography", "country") == [
        ("FR", "France", "EUROPE", 0),
        ("CH", "Swiss\r\nConfederation", "EUROPE", 1),
        ("ML", "Mali", "AFRICA", 1),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_bom_is_dropped_from_text_files_opened_either_way(empty_graph, tmp_path, encoding):
    source = tmp_path / "countries.csv"
    source.write_text("code,name,continent\nFR,France,EUROPE\n", encoding="utf-8-sig")

    with source.open(encoding=encoding, newline="") as stream:
        load_geography(empty_graph, (Country, stream))

    assert stored_rows(empty_graph, "Geography", "country") == [("FR", "France", "EUROPE", 0)]


def test_binary_file_objects_are_decoded_as_utf8(empty_graph):
    stream = io.BytesIO("\ufeffcode,name,continent\nCI,Côte d'Ivoire,AFRICA\n".encode("utf-8"))

    load_geography(empty_graph, (Country, stream), format="csv")

    assert stored_rows(empty_graph, "Geography", "country") == [("CI", "Côte d'Ivoire", "AFRICA", 0)]
    assert not stream.closed


def test_line_numbers_are_file_lines_after_quoted_newlines(empty_graph, tmp_path):
    source = tmp_path / "countries.csv"
    source.write_text('code,name,continent\nFR,"Fr\nan\nce",EUROPE\n\nCH,"Swiss",EUROPA\n')

    with pytest.raises(BadValueError) as raised:
        load_geography(empty_graph, (Country, source))

    # The bad row starts on line 6: the quoted name spans lines 2-4 and line 5 is blank.
    assert (raised.value.line, raised.value.column, raised.value.value) == (6, "continent", "EUROPA")


def test_fields_larger_than_the_csv_module_limit_are_read(empty_graph, tmp_path):
    # Python's documented default limit is 131072 characters.
    name = "x" * 200_000
    source = tmp_path / "countries.csv"
    source.write_text(f'code,name,continent\nFR,"{name}",EUROPE\n')

    load_geography(empty_graph, (Country, source))

    assert stored_rows(empty_graph, "Geography", "country")[0][1] == name


def test_columns_the_model_lacks_are_ignored_when_asked_and_order_does_not_matter(empty_graph, tmp_path):
    source = tmp_path / "countries.csv"
    source.write_text("flag,continent,name,code\n🇫🇷,EUROPE,France,FR\n")

    load_geography(empty_graph, (Country, source), ignore_columns=True)

    assert stored_rows(empty_graph, "Geography", "country") == [("FR", "France", "EUROPE", 0)]


def test_empty_cells_in_nullable_columns_are_null(empty_graph):
    load_geography(empty_graph, (Country, DATA / "countries.csv"), (City, DATA / "cities.csv"))

    assert stored_rows(empty_graph, "Geography", "city")[-1] == (6, "Paris", "CA", None, 43.2)


def test_progress_is_reported_per_batch(empty_graph):
    seen = []

    load_geography(
        empty_graph,
        (Country, DATA / "countries.csv"),
        (City, DATA / "cities.csv"),
        batch_size=4,
        progress=lambda table, rows: seen.append((table, rows)),
    )

    assert seen == [("country", 4), ("city", 4), ("city", 6)]
