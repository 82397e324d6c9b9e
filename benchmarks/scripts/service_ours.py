"""
Ours: the service calls through stores, from a read-only graph.

`store=ordered` is a store with its own `_order_by` (on the shipped artifact, the shipped
`AirportStore`), `store=filtered` one with its own `_filter` that consumes a keyword.

"""

from operator import attrgetter
from typing import Any

from common import Work, arguments, report
from service_common import LIMIT, SHIPPED, Checksum, calls, workload

from microcosm_sqlite import Store

args = arguments()
work, call, store_kind = workload(args), args["call"], args.get("store", "ordered")

if work is SHIPPED:
    from reference_data.airports import Airport, Airports, AirportStore

    OrderedStore: Any = AirportStore
else:
    from airports import Airport, Airports

    class OrderedStore(Store):
        model_class = Airport
        auto_filter_fields = (Airport.id, Airport.code, Airport.country)

        def _order_by(self, query, descending=False, **kwargs):
            return query.order_by(Airport.id.desc() if descending else Airport.id)


minimum_column = getattr(Airport, work.minimum)


class FilteredStore(Store):
    model_class = Airport
    auto_filter_fields = tuple(getattr(Airport, name) for name in (work.primary_key, work.unique, work.group))

    def _filter(self, query, at_least=None, **kwargs):
        if at_least is not None:
            query = query.filter(minimum_column >= at_least)
        return super()._filter(query, **kwargs)


def create_graph(path: str):
    from microcosm.api import create_object_graph, load_from_dict

    return create_object_graph(
        "bench", testing=True, loader=load_from_dict(sqlite=dict(paths={"Airports": path}, read_only=True))
    )


values = attrgetter(*work.columns)
arguments_of_calls = calls(args, work, call)
graph = create_graph(args["db"])
store = OrderedStore() if store_kind == "ordered" else FilteredStore()
checksum = Checksum()
with Work() as timing:
    with Airports.new_context(graph):
        if call == "search":
            for group, least in arguments_of_calls:
                if store_kind == "ordered":
                    found = store.search(limit=LIMIT, **{work.group: group})
                else:
                    found = store.search(limit=LIMIT, at_least=least, **{work.group: group})
                checksum.add(map(values, found))
        else:
            column = work.primary_key if call == "one" else work.unique
            for key in arguments_of_calls:
                checksum.add([values(store.one(**{column: key}))])
report(checksum, timing.seconds)
