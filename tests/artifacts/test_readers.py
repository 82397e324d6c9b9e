"""
A reader that opened the old artifact keeps reading correct rows while a rebuild replaces it.

"""

import pytest

from microcosm_sqlite import dispose_sqlite_connections
from tests.support.building import build_geography
from tests.support.fixtures import CITIES, CityStore, Geography
from tests.support.graphs import make_graph

NEW_CITIES = [dict(city, population=city["population"] + 1) for city in CITIES]


@pytest.mark.parametrize("immutable", [True, False])
def test_a_streaming_reader_keeps_the_old_rows_while_a_rebuild_replaces_the_file(tmp_path, immutable):
    target = tmp_path / "geography.db"
    build_geography(target)
    graph = make_graph(paths={"Geography": str(target)}, read_only=True, immutable=immutable, search_batch_size=2)
    try:
        with Geography.new_context(graph):
            rows = iter(CityStore().search())
            seen = [next(rows).population, next(rows).population]

            build_geography(target, cities=NEW_CITIES)

            seen.extend(city.population for city in rows)
        assert seen == [city["population"] for city in CITIES]

        # Connections opened after the rename read the new file.
        Geography.dispose(graph)
        with Geography.new_context(graph):
            assert [city.population for city in CityStore().search()] == [city["population"] for city in NEW_CITIES]
    finally:
        dispose_sqlite_connections(graph)
