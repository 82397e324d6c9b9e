import pytest
from sqlalchemy.exc import IntegrityError

from microcosm_sqlite.context import SessionContext
from microcosm_sqlite.errors import NoSessionError
from tests.support.fixtures import City, CityStore, Continent, Country, Geography


def test_open_close_commit(writable_graph):
    context = SessionContext(writable_graph, City)
    assert context.open() is context
    context.session.add(City(id=10, name="Nice", country_code="FR"))
    context.commit()
    context.close()
    assert context.session is None
    with SessionContext(writable_graph, Geography) as again:
        assert again.session.get(City, 10).name == "Nice"


def test_rollback(writable_graph):
    with Geography.new_context(writable_graph) as context:
        context.session.add(City(id=10, name="Nice", country_code="FR"))
        context.rollback()
        assert CityStore().count() == 6


def test_closing_without_commit_discards_changes(writable_graph):
    with Geography.new_context(writable_graph) as context:
        context.session.add(City(id=10, name="Nice", country_code="FR"))
        context.session.flush()
    with Geography.new_context(writable_graph):
        assert CityStore().count() == 6


def test_expire_on_commit_defaults_to_false(writable_graph):
    with Geography.new_context(writable_graph) as context:
        assert context.session.expire_on_commit is False
    with Geography.new_context(writable_graph, expire_on_commit=True) as context:
        assert context.session.expire_on_commit is True


def test_closed_context_refuses_commit(writable_graph):
    context = Geography.new_context(writable_graph)
    with pytest.raises(NoSessionError, match="not open"):
        context.commit()


def test_defer_foreign_keys_allows_children_first(writable_graph):
    """Rows may arrive before the rows they reference; the check happens at commit."""
    with Geography.new_context(writable_graph, defer_foreign_keys=True) as context:
        context.session.add(City(id=20, name="Reykjavik", country_code="IS"))
        context.session.flush()
        context.session.add(Country(code="IS", name="Iceland", continent=Continent.EUROPE))
        context.commit()
        # The next transaction defers too.
        context.session.add(City(id=21, name="Nuuk", country_code="GL"))
        context.session.flush()
        context.session.add(Country(code="GL", name="Greenland", continent=Continent.NORTH_AMERICA))
        context.commit()
    with Geography.new_context(writable_graph):
        assert CityStore().one(name="Nuuk").country.name == "Greenland"


def test_deferred_foreign_keys_are_still_checked_at_commit(writable_graph):
    with Geography.new_context(writable_graph, defer_foreign_keys=True) as context:
        context.session.add(City(id=20, name="Atlantis", country_code="XX"))
        context.session.flush()
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            context.commit()
    with Geography.new_context(writable_graph):
        assert CityStore().count() == 6


def test_without_deferral_foreign_keys_fail_immediately(writable_graph):
    with Geography.new_context(writable_graph) as context:
        context.session.add(City(id=20, name="Reykjavik", country_code="IS"))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            context.session.flush()
