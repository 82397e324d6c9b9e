"""
The equality matrix: every call the fast paths serve gives what the ordinary path gives.

Each case runs the same calls twice on the same file, in fresh sessions: once as the library runs
them, once with every fast path switched off (`Store.one()`'s lookup, its query past the ORM,
streaming searches past the ORM, and searches by words that skip the hooks). The results (which objects, their values, their identity with
objects held before the call) and the session afterwards (identity map, each object's loaded and
expired attributes, pending changes) must be identical. Each case also pins whether the fast path
was taken, so that a mapping feature it must decline cannot slip through, and one it accepts is
really being compared.

"""

import enum
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String, event, inspect
from sqlalchemy.orm import Query, deferred, relationship
from sqlalchemy.orm.attributes import instance_dict

from microcosm_sqlite import DataSet, Store, dispose_sqlite_connections, results, stores
from microcosm_sqlite.artifacts.fulltext import create_search_indexes, fill_search_indexes
from microcosm_sqlite.errors import ModelNotFoundError, MultipleModelsFoundError
from microcosm_sqlite.types import EnumType
from tests.support.graphs import make_graph

Matrix = DataSet.create("Matrix")


class Kind(enum.Enum):
    SMALL = "s"
    LARGE = "l"


class Item(Matrix):
    __tablename__ = "item"

    id = Column(Integer, primary_key=True)
    code = Column(String, nullable=False, unique=True)
    group = Column(String, nullable=False, index=True)
    rank = Column(Integer, nullable=False)
    kind = Column(EnumType(Kind), nullable=False)


class Note(Matrix):
    __tablename__ = "note"

    id = Column(Integer, primary_key=True)
    code = Column(String, nullable=False, unique=True)
    group = Column(String, nullable=False)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    text = deferred(Column(String))
    item = relationship(Item)


class Tag(Matrix):
    __tablename__ = "tag"

    id = Column(Integer, primary_key=True)
    code = Column(String, nullable=False, unique=True)
    group = Column(String, nullable=False)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    item = relationship(Item, lazy="joined")


class Animal(Matrix):
    __tablename__ = "animal"
    __mapper_args__ = {"polymorphic_on": "species", "polymorphic_identity": "animal"}

    id = Column(Integer, primary_key=True)
    code = Column(String, nullable=False, unique=True)
    group = Column(String, nullable=False)
    species = Column(String, nullable=False)


class Dog(Animal):
    __mapper_args__ = {"polymorphic_identity": "dog"}


class ItemStore(Store):
    model_class = Item
    auto_filter_fields = (Item.id, Item.code, Item.group)


class OrderedItemStore(ItemStore):
    """An `_order_by` that only orders, with a keyword of its own."""

    def _order_by(self, query, descending=False, **kwargs):
        if descending:
            return query.order_by(Item.rank.desc(), Item.id)
        return query.order_by(Item.rank, Item.id)


class JoiningItemStore(ItemStore):
    """An `_order_by` that joins: items without notes drop out, items with two come twice."""

    def _order_by(self, query, **kwargs):
        return query.join(Note, Note.item_id == Item.id).order_by(Note.code)


class FilteringItemStore(ItemStore):
    """A `_filter` with a keyword it consumes."""

    def _filter(self, query, min_rank=None, **kwargs):
        if min_rank is not None:
            query = query.filter(Item.rank >= min_rank)
        return super()._filter(query, **kwargs).order_by(Item.id)


class NoteStore(Store):
    model_class = Note
    auto_filter_fields = (Note.id, Note.code, Note.group)


class TagStore(Store):
    model_class = Tag
    auto_filter_fields = (Tag.id, Tag.code, Tag.group)


class AnimalStore(Store):
    model_class = Animal
    auto_filter_fields = (Animal.id, Animal.code, Animal.group)


class Sign(Matrix):
    """Searchable by words: rows share words, tie in rank, and rank out of id order, so order and pages show."""

    __tablename__ = "sign"
    __search__ = {"name": 2.0, "city": 1.0}

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    city = Column(String)
    group = Column(String, nullable=False)
    kind = Column(EnumType(Kind), nullable=False)
    prefix = Column(String)


class SignStore(Store):
    model_class = Sign
    auto_filter_fields = (Sign.group, Sign.id, "kind")


class PrefixSignStore(Store):
    """An auto filter named as a word-search keyword, and one on a field the model lacks."""

    model_class = Sign
    auto_filter_fields = (Sign.prefix, "group", "area", Sign.id)


class OrderedSignStore(SignStore):
    """An explicit order, which wins over rank: its searches run its hooks."""

    def _order_by(self, query, **kwargs):
        return query.order_by(Sign.name, Sign.id)


SIGNS = [
    ("North Gate", "Gatesville", "a"),
    ("North Gate", "Northampton", "b"),
    ("Gate House", "Zürich", "a"),
    ("North Field", "Zurich", "b"),
    ("Field Gate North", None, "a"),
    ("Harbour", "Norwich", "b"),
    ("North Gate", "Gatesville", "a"),
    ("Old Mill", "North Gate", "a"),
    ("Gate", "Gateshead", "b"),
    ("North", "North", "a"),
]


ITEMS = [
    Item(id=n, code=f"I{n}", group="even" if n % 2 == 0 else "odd", rank=(n * 7) % 10, kind=Kind.SMALL)
    for n in range(1, 13)
]


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    graph = make_graph(paths={"Matrix": str(tmp_path_factory.mktemp("matrix") / "matrix.db")})
    Matrix.create_all(graph)
    with Matrix.new_context(graph) as context:
        context.session.add_all(
            [
                *(
                    Item(**{key: getattr(item, key) for key in ("id", "code", "group", "rank", "kind")})
                    for item in ITEMS
                ),
                *(Note(id=n, code=f"N{n}", group="all", item_id=1 + n % 3, text=f"note {n}") for n in range(1, 5)),
                *(Tag(id=n, code=f"T{n}", group="all", item_id=n) for n in range(1, 4)),
                Animal(id=1, code="A1", group="all"),
                Dog(id=2, code="A2", group="all"),
                *(
                    Sign(
                        id=n,
                        name=name,
                        city=city,
                        group=group,
                        kind=Kind.SMALL if n % 3 else Kind.LARGE,
                        prefix=f"p{n % 2}",
                    )
                    for n, (name, city, group) in enumerate(SIGNS, start=1)
                ),
            ]
        )
        context.commit()
    engine = graph.sqlite("Matrix").engine
    with engine.begin() as connection:
        create_search_indexes(Matrix.metadata, connection)
        fill_search_indexes(Matrix.metadata, connection.connection.driver_connection)
    yield graph
    dispose_sqlite_connections(graph)


@pytest.fixture
def taken(monkeypatch):
    """Which fast paths answered in a run (`ordinary=True` switches them all off)."""
    answers: list[str] = []

    class Switch:
        ordinary = False

    switch = Switch()

    def wrap(module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        def attempt(*args):
            if switch.ordinary:
                return None
            answer = original(*args)
            if answer is not None:
                answers.append(label)
            return answer

        monkeypatch.setattr(module, name, attempt)

    wrap(stores, "find_unique", "lookup")
    wrap(stores, "one_of", "query")
    wrap(results, "prepare", "stream")
    plan_word_search = stores.plan_word_search

    def plan_tracked(*args, **kwargs):
        # The plan is made at search(); whether it runs past the hooks is decided when iterated.
        planned = None if switch.ordinary else plan_word_search(*args, **kwargs)
        if planned is None:
            return None

        class Tracked:
            session = planned.session

            def fetch_all(self):
                rows = planned.fetch_all()
                if rows is not None:
                    answers.append("words")
                return rows

            def prepare(self):
                prepared = planned.prepare()
                if prepared is not None:
                    answers.append("words")
                return prepared

            def count(self):
                counted = planned.count()
                if counted is not None:
                    answers.append("words")
                return counted

        return Tracked()

    monkeypatch.setattr(stores, "plan_word_search", plan_tracked)
    switch.answers = answers
    return switch


def values(instance: Any) -> tuple:
    state = inspect(instance)
    loaded = instance_dict(instance)
    return (state.key, tuple(sorted((key, shown(loaded[key])) for key in state.mapper.attrs.keys() if key in loaded)))


def shown(value: Any) -> str:
    """A loaded value; a related object by its identity, not its address."""
    state = inspect(value, raiseerr=False)
    return repr(value if state is None or not hasattr(state, "key") else state.key)


def session_state(session) -> list[tuple]:
    """Everything about the session a caller could see: what it holds, and in which state."""
    described = []
    for key, instance in sorted(session.identity_map.items(), key=lambda item: repr(item[0])):
        state = inspect(instance)
        described.append(
            (
                repr(key),
                state.persistent,
                state.expired,
                tuple(sorted(state.expired_attributes)),
                tuple(sorted(state.unloaded)),
                tuple(sorted(state.committed_state)),
                values(instance),
            )
        )
    described.append(("pending", sorted(repr(values(i)) for i in session.new), len(session.dirty)))
    return described


@dataclass(frozen=True)
class Case:
    store: type
    call: str
    kwargs: dict
    #: The fast path that answers (None: every path declines and the ORM answers).
    fast: str | None
    #: What happens in the session before the call.
    setup: str = ""


def run(case: Case, graph, taken) -> tuple[Any, list[tuple]]:
    with Matrix.new_context(graph) as context:
        session = context.session
        held = []
        listener = None
        if case.setup == "pending":
            session.add(Item(id=99, code="I99", group="odd", rank=0, kind=Kind.LARGE))
        elif case.setup in ("held", "expired"):
            held = session.query(Item).order_by(Item.id).all()
            if case.setup == "expired":
                session.expire(held[0])
                session.expire(held[3], ["rank"])
        elif case.setup in ("held signs", "expired signs"):
            held = session.query(Sign).order_by(Sign.id).all()
            if case.setup == "expired signs":
                session.expire(held[0])
                session.expire(held[1], ["city"])
        elif case.setup == "after commit":
            # A lookup, then a new transaction: the connection the first one used is gone.
            held = [ItemStore().one(id=1)]
            taken.answers.clear()  # the case is about the call after it
            session.commit()
            session.execute(Item.__table__.update().where(Item.id == 2).values(rank=42))
        elif case.setup == "load listener":
            listener = (case.store.model_class, "load", lambda target, context: None)
        elif case.setup == "session listener":
            listener = (session, "loaded_as_persistent", lambda session, instance: None)
        elif case.setup == "engine listener":
            listener = (graph.sqlite("Matrix").engine, "before_cursor_execute", lambda *args: None)
        elif case.setup == "connection listener":
            # On the session's connection itself, not its engine: SQLAlchemy fires it all the same.
            connection = session.connection(bind_arguments={"mapper": inspect(case.store.model_class)})
            listener = (connection, "before_cursor_execute", lambda *args: None)
        elif case.setup == "dialect listener":
            # Runs each statement itself (returning None: the dialect then runs it as usual).
            listener = (
                graph.sqlite("Matrix").engine,
                "do_execute",
                lambda cursor, statement, parameters, context: None,
            )
        elif case.setup == "query filter":
            # The recipe for a filter every query gets: rows of groups "b" and "odd" are never seen.
            def hide_group_b(query):
                model = query.column_descriptions[0]["entity"]
                return query.filter(model.group.not_in(("b", "odd"))) if model in (Item, Sign) else query

            listener = (Query, "before_compile", hide_group_b, {"retval": True})
        if listener is not None:
            event.listen(*listener[:3], **(listener[3] if len(listener) > 3 else {}))
        try:
            store = case.store()
            try:
                if case.call == "one":
                    found = store.one(**case.kwargs)
                    answer: Any = [values(found), [found is h for h in held]]
                elif case.call == "count":
                    answer = [store.count(**case.kwargs)]
                elif case.call == "len":
                    answer = [len(store.search(**case.kwargs))]
                elif case.call == "first":
                    found = store.first(**case.kwargs)
                    answer = [None if found is None else values(found)]
                else:
                    rows = [row for row in store.search(**case.kwargs)]
                    answer = [[values(row) for row in rows], [[row is h for h in held] for row in rows]]
            except (ModelNotFoundError, MultipleModelsFoundError) as error:
                answer = [type(error).__name__, str(error)]
            return answer, session_state(session)
        finally:
            if listener is not None:
                event.remove(*listener[:3])
            session.rollback()


CASES = [
    # Plain mapping, the library's hooks.
    Case(ItemStore, "one", {"id": 3}, "lookup"),
    Case(ItemStore, "one", {"code": "I4"}, "lookup"),
    Case(ItemStore, "one", {"id": 404}, "lookup"),
    Case(ItemStore, "one", {"group": "odd"}, "query"),
    Case(ItemStore, "search", {"group": "odd", "limit": 3}, "stream"),
    Case(ItemStore, "search", {}, "stream"),
    Case(ItemStore, "first", {"group": "even"}, None),
    # An _order_by that only orders: lookups skip it, searches run it.
    Case(OrderedItemStore, "one", {"id": 5}, "lookup"),
    Case(OrderedItemStore, "one", {"code": "I6"}, "lookup"),
    Case(OrderedItemStore, "one", {"code": "I6", "descending": True}, "query"),
    Case(OrderedItemStore, "search", {"group": "even", "descending": True, "limit": 4}, "stream"),
    Case(OrderedItemStore, "search", {"offset": 2, "limit": 5}, "stream"),
    # An _order_by that joins changes which rows match: lookups run it.
    Case(JoiningItemStore, "one", {"id": 1}, "query"),
    Case(JoiningItemStore, "one", {"id": 2}, "query"),
    Case(JoiningItemStore, "one", {"id": 9}, "query"),
    Case(JoiningItemStore, "search", {}, "stream"),
    # A _filter with a keyword of its own.
    Case(FilteringItemStore, "one", {"code": "I7"}, "query"),
    Case(FilteringItemStore, "one", {"code": "I7", "min_rank": 5}, "query"),
    Case(FilteringItemStore, "search", {"min_rank": 5, "limit": 10}, "stream"),
    # Session situations.
    Case(ItemStore, "one", {"id": 1}, "lookup", "held"),
    Case(ItemStore, "search", {"group": "odd"}, "stream", "held"),
    Case(ItemStore, "one", {"id": 1}, "query", "expired"),
    Case(ItemStore, "one", {"id": 4}, "query", "expired"),
    Case(ItemStore, "search", {}, "stream", "expired"),
    Case(ItemStore, "one", {"id": 2}, "lookup", "after commit"),
    Case(ItemStore, "search", {"group": "even"}, "stream", "after commit"),
    Case(ItemStore, "one", {"id": 2}, None, "pending"),
    Case(ItemStore, "search", {"group": "odd"}, None, "pending"),
    Case(ItemStore, "one", {"id": 2}, None, "load listener"),
    Case(ItemStore, "search", {"group": "odd"}, None, "load listener"),
    Case(ItemStore, "one", {"code": "I2"}, None, "session listener"),
    Case(ItemStore, "search", {"group": "odd"}, None, "session listener"),
    Case(ItemStore, "one", {"id": 2}, None, "engine listener"),
    Case(ItemStore, "search", {"group": "odd"}, None, "engine listener"),
    Case(ItemStore, "one", {"id": 2}, None, "connection listener"),
    Case(ItemStore, "search", {"group": "odd"}, None, "connection listener"),
    Case(ItemStore, "one", {"id": 2}, None, "dialect listener"),
    Case(ItemStore, "search", {"group": "odd"}, None, "dialect listener"),
    # Mapping features the fast paths decline.
    Case(NoteStore, "one", {"id": 2}, None),
    Case(NoteStore, "search", {"group": "all"}, None),
    Case(TagStore, "one", {"code": "T2"}, None),
    Case(TagStore, "search", {"group": "all"}, None),
    Case(AnimalStore, "one", {"id": 2}, None),
    Case(AnimalStore, "search", {"group": "all"}, None),
    # Searches by words on a store whose hooks are the library's own skip them.
    Case(SignStore, "search", {"q": "north gate"}, "words"),
    Case(SignStore, "search", {"q": "gate", "limit": 3}, "words"),
    Case(SignStore, "search", {"q": "gate", "offset": 2}, "words"),
    Case(SignStore, "search", {"q": "gate", "offset": 1, "limit": 2}, "words"),
    Case(SignStore, "search", {"q": "north", "group": "a", "kind": None}, "words"),
    Case(SignStore, "search", {"q": "no", "prefix": True, "group": "b", "limit": 5}, "words"),
    Case(SignStore, "search", {"q": "ZURICH"}, "words"),
    Case(SignStore, "search", {"q": "'; DROP TABLE sign; --"}, "words"),
    Case(SignStore, "search", {"q": 'NEAR(gate "north'}, "words"),
    Case(SignStore, "search", {"q": "* -- :"}, "words"),
    Case(SignStore, "search", {"q": "nowhere"}, "words"),
    Case(SignStore, "search", {"q": "gate", "id": 3}, "words"),
    Case(SignStore, "search", {"q": "gate", "limit": 0}, "words"),
    Case(SignStore, "search", {"q": "gate"}, "words", "held signs"),
    Case(SignStore, "search", {"q": "gate"}, "words", "expired signs"),
    Case(SignStore, "search", {"q": "gate"}, "words", "after commit"),
    # ...and take the hooks' path whenever something could tell.
    Case(SignStore, "search", {"q": "gate"}, None, "pending"),
    Case(SignStore, "search", {"q": "gate"}, None, "load listener"),
    Case(SignStore, "search", {"q": "gate"}, None, "engine listener"),
    Case(SignStore, "search", {"q": "gate", "limit": 3}, None, "connection listener"),
    Case(SignStore, "search", {"q": "gate", "limit": 3}, None, "dialect listener"),
    Case(SignStore, "search", {"q": "gate", "kind": Kind.LARGE}, None),
    Case(SignStore, "search", {"match": "gate OR harbour"}, None),
    Case(SignStore, "search", {"q": "gate", "match": "north"}, None),
    Case(SignStore, "search", {"q": "gate", "limit": True}, None),
    Case(OrderedSignStore, "search", {"q": "gate", "limit": 3}, None),
    Case(PrefixSignStore, "search", {"q": "no", "prefix": "p1"}, "words"),
    Case(PrefixSignStore, "search", {"q": "gate", "group": "a", "prefix": None}, "words"),
    Case(PrefixSignStore, "one", {"id": 3}, "lookup"),
    Case(SignStore, "search", {"q": "gate"}, None, "query filter"),
    Case(ItemStore, "one", {"id": 3}, None, "query filter"),
    Case(ItemStore, "search", {"group": "odd"}, None, "query filter"),
    Case(SignStore, "first", {"q": "gate"}, "words"),
    Case(SignStore, "first", {"q": "gate", "offset": 2, "limit": 0}, "words"),
    Case(SignStore, "first", {"q": "north", "group": "b", "prefix": True}, "words"),
    Case(SignStore, "first", {"q": "nowhere"}, "words"),
    Case(SignStore, "first", {"q": "gate"}, "words", "expired signs"),
    Case(SignStore, "first", {"q": "gate"}, None, "pending"),
    Case(OrderedSignStore, "first", {"q": "gate"}, None),
    Case(SignStore, "count", {"q": "gate"}, "words"),
    Case(SignStore, "count", {"q": "north", "group": "a", "offset": 1, "limit": 1}, "words"),
    Case(SignStore, "count", {"q": "* --"}, "words"),
    Case(SignStore, "count", {"q": "gate"}, None, "pending"),
    Case(SignStore, "len", {"q": "gate"}, "words"),
    Case(SignStore, "len", {"q": "gate", "offset": 2, "limit": 3}, "words"),
    Case(SignStore, "len", {"q": "gate", "offset": 5}, "words"),
    Case(SignStore, "len", {"q": "no", "prefix": True, "group": "b"}, "words"),
    Case(OrderedSignStore, "len", {"q": "gate", "limit": 2}, None),
    Case(SignStore, "one", {"q": "harbour"}, None),
]


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[f"{c.store.__name__}-{c.call}-{'-'.join(map(str, c.kwargs.values())) or 'all'}-{c.setup}" for c in CASES],
)
def test_fast_and_ordinary_paths_give_the_same_results_and_session(case, graph, taken):
    fast = run(case, graph, taken)
    fast_answers = list(taken.answers)
    taken.ordinary = True
    ordinary = run(case, graph, taken)

    assert fast == ordinary
    assert set(fast_answers) == ({case.fast} if case.fast else set())


class HidingGroupB(Query):
    """A session's own query class: rows of group "b" are never seen."""

    def __iter__(self):
        return (row for row in super().__iter__() if getattr(row, "group", None) != "b")


def on_both_paths(graph, taken, body) -> list[tuple[Any, list[tuple]]]:
    """What `body(session)` returns, and the session's state after it, with the fast paths on, then off."""
    outcomes = []
    for ordinary in (False, True):
        taken.ordinary = ordinary
        with Matrix.new_context(graph) as context:
            try:
                outcomes.append((body(context.session), session_state(context.session)))
            finally:
                context.session.rollback()
    return outcomes


def test_a_search_runs_when_its_first_row_is_read_not_when_it_is_made_an_iterator(graph, taken):
    def search_then_add(session):
        rows = iter(SignStore().search(q="gate", limit=5))
        # A query would flush this first: it is pending when the search runs, not when iter() is called.
        session.add(Sign(id=99, name="Gate Z", city="Y", group="a", kind=Kind.SMALL))
        return [values(sign) for sign in rows]

    fast, ordinary = on_both_paths(graph, taken, search_then_add)

    assert fast == ordinary
    assert fast[1][-1] == ("pending", [], 0)  # flushed


def test_a_small_search_keeps_its_session_open_while_its_rows_are_read(graph, taken):
    with Matrix.new_context(graph):
        detached = []
        for position, sign in enumerate(SignStore().search(q="gate", limit=5)):
            if position == 0:
                # Closes every session of the dataset that no search is reading.
                graph.sqlite.dispose("Matrix")
            detached.append(inspect(sign).detached)

    assert taken.answers == ["words"]
    assert len(detached) == 5 and not any(detached)


def test_a_session_with_a_query_class_of_its_own_gets_what_that_class_gives(graph, taken):
    session = Matrix.new_session(graph, query_cls=HidingGroupB)
    try:
        fast, through_hooks = (
            [sign.id for sign in store.search(q="gate")]
            for store in (SignStore(get_session=lambda: session), OrderedSignStore(get_session=lambda: session))
        )
        assert fast and all(session.get(Sign, id_).group != "b" for id_ in fast)
        assert sorted(fast) == sorted(through_hooks)
        assert taken.answers == []
    finally:
        session.close()


def test_a_hook_patched_onto_a_store_class_later_is_honoured(graph, taken, monkeypatch):
    class LaterStore(SignStore):
        pass

    with Matrix.new_context(graph):
        assert {sign.group for sign in LaterStore().search(q="gate")} == {"a", "b"}
        assert LaterStore().one(id=2).id == 2
        assert set(taken.answers) == {"words", "lookup"}

        def only_group_a(self, query, **kwargs):
            return super(LaterStore, self)._filter(query, **kwargs).filter(Sign.group == "a")

        monkeypatch.setattr(LaterStore, "_filter", only_group_a, raising=False)
        assert {sign.group for sign in LaterStore().search(q="gate")} == {"a"}
        with pytest.raises(ModelNotFoundError):
            LaterStore().one(id=2)  # group "b"


def test_a_hook_set_on_a_store_object_is_honoured(graph, taken):
    with Matrix.new_context(graph):
        store = SignStore()
        store._order_by = lambda query, **kwargs: query.order_by(Sign.id.desc())
        ids = [sign.id for sign in store.search(q="gate")]
        assert ids == sorted(ids, reverse=True)
        assert [sign.id for sign in store.search(q="gate")[0:2]] == ids[:2]
        assert taken.answers == []
