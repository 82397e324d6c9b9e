"""
Search by words, for stores that want more than the default: a model's search rank, to order by.

    class AirportStore(Store[Airport]):
        def _order_by(self, query, q=None, **kwargs):
            if q is not None:
                # Airports with an IATA code (scheduled service) first, then best match first.
                return query.order_by(Airport.iata.is_(None), search_rank(Airport), Airport.icao)
            return query.order_by(Airport.icao)

A store that orders nothing itself gets `search_rank` (then the primary key) for every search by
words; one that orders keeps its order.

"""

from microcosm_sqlite._word_search import search_rank

__all__ = ["search_rank"]
