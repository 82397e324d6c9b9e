"""
Which stores' hooks cannot change the row a lookup by a unique column finds.

`Store.one()` by the primary key or another unique column skips the query pipeline (see
`microcosm_sqlite._lookups`) only where the store's hooks could not have changed the answer, so
that skipping them cannot show. That is decided once per store class and set of hooks (a hook
patched onto the class later is judged afresh; one set on a store object rules its store out), from
the hooks it overrides:

- `_query`, `_filter`, `_auto_filter`, `_auto_filters`, `_search_query` and `_paginate` are the
  library's own: an overridden one may select another entity, join, filter or cut, and whether it
  does for given keywords cannot be known without running it;
- `_order_by` is the library's own, or *only orders*: every definition of it in the store's
  classes is a plain function whose statements are only `if`/`else`, assignments to its `query`
  parameter, and `return`s, where everything assigned or returned is `query` itself, `query` with
  `.order_by(...)` applied (any number of times, any arguments), a conditional choosing between
  such values, or `super()._order_by(<such a value>, ...)`; `query` is used in no other way.

An ordering cannot change which single row has a unique value, so such stores are looked up
without calling their hooks. An `_order_by` that joins, filters, adds options, calls a helper with
the query, logs, raises, or whose source cannot be read (a lambda, a decorated or built function)
may change the result or the behaviour, and its store's lookups run the hooks as searches do.
`one()` also calls the hooks whenever it gets a keyword other than the unique column's.

A search's rows depend on their order too, so a search skips the hooks (see
`microcosm_sqlite._word_searches`) only on stores whose hooks are all the library's own, `_order_by`
included (`search_safe`): their query follows from the keywords alone.

"""

import ast
import inspect
import operator
from typing import Any, Final

from microcosm_sqlite._filters import HOOKS, _source_of

__all__ = ["ALL_HOOKS", "hooks_of", "lookup_safe", "search_safe"]

#: Hooks that must be the library's own for a lookup to skip them.
FILTERING_HOOKS: Final = ("_query", "_filter", "_auto_filter", "_auto_filters", "_search_query", "_paginate")
#: Every hook, in a fixed order.
ALL_HOOKS: Final = tuple(sorted(HOOKS | set(FILTERING_HOOKS)))

#: A class's hooks, as one tuple: asked on every lookup and search, attrgetter is the cheapest way.
hooks_of: Final = operator.attrgetter(*ALL_HOOKS)

# Per class: the hooks it had when judged, and the verdicts. A verdict holds only while the class
# keeps those hooks: a test's mock.patch.object, or a hook assigned to the class later, is judged
# afresh.
_verdicts: dict[type, tuple[tuple[Any, ...], bool, bool]] = {}


def lookup_safe(store: Any) -> bool:
    """Whether the store's hooks cannot change which row a lookup by a unique column finds."""
    return _verdict(store)[1]


def search_safe(store: Any) -> bool:
    """Whether every hook of the store is the library's own: a search's query follows from its keywords."""
    return _verdict(store)[2]


def _verdict(store: Any) -> tuple[tuple[Any, ...], bool, bool]:
    """`store`: a store, or a store class. A hook set on the store itself is never the library's."""
    if isinstance(store, type):
        store_class = store
    else:
        store_class = type(store)
        own = getattr(store, "__dict__", None)
        if own and not own.keys().isdisjoint(ALL_HOOKS):
            return ((), False, False)
    hooks = hooks_of(store_class)
    verdict = _verdicts.get(store_class)
    if verdict is None or verdict[0] != hooks:
        safe = _lookup_safe(store_class)
        verdict = _verdicts[store_class] = (hooks, safe, safe and _orders_as_the_library_does(store_class))
    return verdict


def _orders_as_the_library_does(store_class: type) -> bool:
    from microcosm_sqlite.stores import Store

    return all(issubclass(Store, klass) or "_order_by" not in vars(klass) for klass in store_class.__mro__)


def _lookup_safe(store_class: type) -> bool:
    from microcosm_sqlite.stores import Store

    for klass in store_class.__mro__:
        if issubclass(Store, klass):
            continue  # Store itself and its bases
        overridden = (HOOKS | set(FILTERING_HOOKS)) & vars(klass).keys()
        if overridden - {"_order_by"}:
            return False
        if "_order_by" in overridden and not orders_only(vars(klass)["_order_by"]):
            return False
    return True


def orders_only(hook: Any) -> bool:
    """Whether an `_order_by` definition does nothing to its query but order it (module docstring)."""
    if not inspect.isfunction(hook) or hasattr(hook, "__wrapped__") or hook.__name__ == "<lambda>":
        return False
    try:
        node = _source_of(hook)
    except Exception:  # _filters' "cannot be read" signal, or a source that does not parse
        return False
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or isinstance(node, ast.AsyncFunctionDef):
        return False
    positional = [*node.args.posonlyargs, *node.args.args]
    if len(positional) < 2:
        return False
    return _OrderOnly(positional[1].arg).check(node)


class _OrderOnly:
    """Reads one `_order_by` definition against the rule in the module docstring."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.accepted: set[int] = set()  # the uses of `query` found in ordering positions

    def check(self, function: ast.FunctionDef) -> bool:
        if not self._statements(function.body, docstring=True):
            return False
        uses = [
            node
            for node in ast.walk(function)
            if isinstance(node, ast.Name) and node.id == self.query and isinstance(node.ctx, ast.Load)
        ]
        return all(id(node) in self.accepted for node in uses)

    def _statements(self, body: list[ast.stmt], docstring: bool = False) -> bool:
        for position, statement in enumerate(body):
            if isinstance(statement, ast.If):
                if not (self._statements(statement.body) and self._statements(statement.orelse)):
                    return False
            elif isinstance(statement, ast.Return):
                if statement.value is None or not self._ordered(statement.value):
                    return False
            elif isinstance(statement, ast.Assign):
                targets = statement.targets
                if not (len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == self.query):
                    return False
                if not self._ordered(statement.value):
                    return False
            elif isinstance(statement, ast.Pass):
                continue
            elif (
                docstring
                and position == 0
                and isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                continue
            else:
                return False
        return True

    def _ordered(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            if node.id != self.query:
                return False
            self.accepted.add(id(node))
            return True
        if isinstance(node, ast.IfExp):
            return self._ordered(node.body) and self._ordered(node.orelse)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return False
        receiver, method = node.func.value, node.func.attr
        if method == "order_by":
            return self._ordered(receiver)
        is_super = (
            isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super"
        )
        if method == "_order_by" and is_super and node.args:
            return self._ordered(node.args[0])
        return False
