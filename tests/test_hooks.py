"""
Which stores' hooks cannot change the row a lookup by a unique column finds: those `one()` may
look up without running them.

"""

import functools
import logging

import pytest
from sqlalchemy.orm import joinedload

from microcosm_sqlite import Store
from microcosm_sqlite._hooks import lookup_safe
from tests.support.fixtures import City, Country

log = logging.getLogger(__name__)


class DefaultHooks(Store):
    model_class = City
    auto_filter_fields = (City.id, City.name)


class Orders(DefaultHooks):
    def _order_by(self, query, **kwargs):
        return query.order_by(City.name)


class OrdersByKeyword(DefaultHooks):
    def _order_by(self, query, largest_first=False, reverse=None, **kwargs):
        """Largest first, on request."""
        if largest_first:
            query = query.order_by(City.population.desc())
        elif reverse:
            return query.order_by(City.name.desc()).order_by(City.id.desc())
        else:
            pass
        return query.order_by(City.id) if not reverse else query


class OrdersThroughSuper(Orders):
    def _order_by(self, query, **kwargs):
        return super()._order_by(query.order_by(City.country_code), **kwargs)


@pytest.mark.parametrize("store", [DefaultHooks, Orders, OrdersByKeyword, OrdersThroughSuper])
def test_stores_whose_hooks_only_order_are_lookup_safe(store):
    assert lookup_safe(store)


class Joins(DefaultHooks):
    def _order_by(self, query, **kwargs):
        return query.join(Country).order_by(Country.name)


class JoinsThenOrders(DefaultHooks):
    def _order_by(self, query, **kwargs):
        query = query.join(Country)
        return query.order_by(Country.name)


class Filters(DefaultHooks):
    def _order_by(self, query, **kwargs):
        return query.order_by(City.id).filter(City.population > 0)


class Limits(DefaultHooks):
    def _order_by(self, query, **kwargs):
        return query.order_by(City.id).limit(1)


class AddsOptions(DefaultHooks):
    def _order_by(self, query, **kwargs):
        return query.options(joinedload(City.country)).order_by(City.id)


class Logs(DefaultHooks):
    def _order_by(self, query, **kwargs):
        log.info("ordering %s", query)
        return query.order_by(City.id)


class Refuses(DefaultHooks):
    def _order_by(self, query, sort="name", **kwargs):
        if sort not in ("name", "id"):
            raise ValueError(sort)
        return query.order_by(getattr(City, sort))


def helper(query):
    return query.order_by(City.id)


class UsesAHelper(DefaultHooks):
    def _order_by(self, query, **kwargs):
        return helper(query)


class ReturnsNothing(DefaultHooks):
    def _order_by(self, query, **kwargs):
        query.order_by(City.id)


class Lambda(DefaultHooks):
    _order_by = lambda self, query, **kwargs: query.order_by(City.id)  # noqa: E731


def logged(hook):
    @functools.wraps(hook)
    def wrapper(self, query, **kwargs):
        return hook(self, query, **kwargs).filter(City.id > 1)

    return wrapper


class Decorated(DefaultHooks):
    @logged
    def _order_by(self, query, **kwargs):
        return query.order_by(City.id)


class BuildsTheQuery(DefaultHooks):
    def _query(self):
        return super()._query().filter(City.population > 0)


class FiltersByKeyword(DefaultHooks):
    def _filter(self, query, big=False, **kwargs):
        if big:
            query = query.filter(City.population > 1_000_000)
        return super()._filter(query, **kwargs)


class Paginates(DefaultHooks):
    def _paginate(self, query, offset, limit):
        return query


class InheritsAJoin(Joins):
    def _order_by(self, query, **kwargs):
        return super()._order_by(query, **kwargs)


@pytest.mark.parametrize(
    "store",
    [
        Joins,
        JoinsThenOrders,
        Filters,
        Limits,
        AddsOptions,
        Logs,
        Refuses,
        UsesAHelper,
        ReturnsNothing,
        Lambda,
        Decorated,
        BuildsTheQuery,
        FiltersByKeyword,
        Paginates,
        InheritsAJoin,
    ],
)
def test_stores_whose_hooks_may_change_the_result_run_them(store):
    assert not lookup_safe(store)
