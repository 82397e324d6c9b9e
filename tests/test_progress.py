from microcosm_sqlite._progress import observing, report_rows
from microcosm_sqlite.builders import load_sources
from microcosm_sqlite.dataset import dispose_sqlite_connections
from tests.support.fixtures import Country, Geography
from tests.support.graphs import make_graph


def test_observers_see_reports_only_inside_their_block():
    seen = []

    report_rows("Geography", "city", 1)
    with observing(lambda *report: seen.append(report)):
        report_rows("Geography", "city", 2)
        with observing(lambda *report: seen.append(("inner", *report))):
            report_rows("Geography", "city", 3)
        report_rows("Geography", "city", 4)
    report_rows("Geography", "city", 5)

    assert seen == [
        ("Geography", "city", 2),
        ("Geography", "city", 3),
        ("inner", "Geography", "city", 3),
        ("Geography", "city", 4),
    ]


def test_load_sources_reports_the_start_and_every_batch(tmp_path):
    source = tmp_path / "country.csv"
    source.write_text(
        "code,name,continent,landlocked\n" + "".join(f"C{index},Name {index},EUROPE,no\n" for index in range(25))
    )
    graph = make_graph(paths={"Geography": str(tmp_path / "geography.db")})
    Geography.create_all(graph)
    seen = []
    try:
        with observing(lambda *report: seen.append(report)):
            load_sources(graph.sqlite("Geography").engine, [(Country, source)], data_set="Geography", batch_size=10)
    finally:
        dispose_sqlite_connections(graph)

    assert seen == [("Geography", "country", rows) for rows in (0, 10, 20, 25)]
