"""
`SearchResult.rows()`: plain rows through Core, with what the ORM execute would have done kept.

"""

from sqlalchemy import event

from tests.support.fixtures import CITIES, City, CityStore, Geography


def test_rows_are_named_tuples_of_every_column_in_order(backend_graph):
    with Geography.new_context(backend_graph):
        rows = list(CityStore().search().rows())
    assert [tuple(row) for row in rows] == [
        (city["id"], city["name"], city["country_code"], city["population"], city["latitude"]) for city in CITIES
    ]
    assert rows[3].name == "Bamako"


def test_rows_follow_filters_and_pagination(backend_graph):
    with Geography.new_context(backend_graph):
        rows = CityStore().search(offset=1, limit=1, country_code="FR").rows()
        assert [row.name for row in rows] == ["Lyon"]


def test_pending_changes_are_flushed_before_rows_are_read(writable_graph):
    with Geography.new_context(writable_graph) as context:
        context.session.add(City(id=7, name="Nice", country_code="FR"))
        assert [row.id for row in CityStore().search(name="Nice").rows()] == [7]


def test_orm_execute_listeners_still_see_row_queries(backend_graph):
    seen = []
    with Geography.new_context(backend_graph) as context:
        event.listen(context.session, "do_orm_execute", lambda state: seen.append(state.is_select))
        assert len(list(CityStore().search().rows())) == len(CITIES)
    assert seen == [True]
