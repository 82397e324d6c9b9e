"""
Which keyword arguments a store uses, so that a filter is never silently dropped.

A keyword given to `search`, `first`, `one`, `count` or `delete` is accepted when

- it names one of the store's `auto_filter_fields`;
- it is listed in the store's `accepted_filters`;
- an overridden hook (`_filter`, `_auto_filter`, `_order_by`, `_search_query`, `_auto_filters`)
  names it as a parameter (`def _filter(self, query, last=None, **kwargs)`), or reads it from its
  `**kwargs` by a literal name: `kwargs.pop("last")`, `kwargs.get("last")`, `kwargs["last"]`,
  `"last" in kwargs`.

Anything else is `UnknownFilterError`, raised before any SQL runs: under 2.0 a misspelt keyword
was ignored, and `delete(naem="Earth")` deleted every row. An auto filter's value that its column
cannot hold (`continent="POETRY"` for an enum without that member) is `FilterValueError`, also
before any SQL.

A hook may also use its `**kwargs` in ways that cannot be read from its source: iterating it,
passing it to a helper or to another store, looking keys up by a computed name, or a hook whose
source is not available or not its own (a lambda in a larger expression, a staticmethod, a
partial, a decorated hook whose wrapper may take keywords of its own, a file replaced since
import). Such a store accepts every keyword rather than risk refusing one its hook reads; it
becomes strict again by listing what its hooks read in `accepted_filters` (a tuple of names, or a
property). Passing `**kwargs` on to another hook of the same store (`super()._filter(query,
**kwargs)`, `self._auto_filter(query, **kwargs)`) is not such a use: that hook is read in turn.

"""

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.types import Enum, TypeEngine

from microcosm_sqlite._names import data_set_base
from microcosm_sqlite.errors import FilterValueError, UnknownFilterError
from microcosm_sqlite.types import EnumType

__all__ = ["accepted_keywords", "check_filters", "hook_keywords", "store_filters"]

#: Hooks that receive the store's keyword arguments, and how many leading positional parameters
#: each takes before them (self, query...). `_auto_filters` receives them as one dict.
KEYWORD_HOOKS: Final[Mapping[str, int]] = {
    "_search_query": 3,
    "_filter": 2,
    "_auto_filter": 2,
    "_order_by": 2,
}
DICT_HOOKS: Final[Mapping[str, int]] = {"_auto_filters": 1}
HOOKS: Final = frozenset({*KEYWORD_HOOKS, *DICT_HOOKS})

#: Methods of a dict whose first argument names the one key they read or remove.
KEY_METHODS: Final = frozenset({"get", "pop", "setdefault"})


class _AnyKeyword(Exception):
    """Raised inside the analysis when a hook's use of its keywords cannot be read."""


# Per store class: the keywords its hooks read, and whether some hook uses them out of sight.
_hooks_read: dict[type, tuple[frozenset[str], bool]] = {}


def hook_keywords(store_class: type, accepted_filters: Any = None) -> frozenset[str] | None:
    """
    The keywords the store class's own hooks and `accepted_filters` use, or None for "any".

    `accepted_filters` defaults to the class's own; a store may also declare them per instance
    (a property), which `accepted_keywords` passes in. Hooks are read once per class, from their
    source, which does not change.

    """
    if accepted_filters is None:
        accepted_filters = getattr(store_class, "accepted_filters", None)
    declared = _names(accepted_filters)
    keywords, unseen = read_hooks(store_class)
    # A declared list is the store's word on what its hooks read where their source does not show.
    if unseen and declared is None:
        return None
    return keywords | (declared or frozenset())


def _names(accepted_filters: Any) -> frozenset[str] | None:
    if accepted_filters is None or isinstance(accepted_filters, property):
        return None
    if isinstance(accepted_filters, str):
        return frozenset((accepted_filters,))  # ("last") for ("last",): one name, not its letters
    return frozenset(accepted_filters)


def read_hooks(store_class: type) -> tuple[frozenset[str], bool]:
    """
    The keywords the class's hooks read, and whether some hook uses them out of sight.

    `Store` calls it as each subclass is created: the source is then the file just imported,
    where later (an upgrade in place, an edit while a test suite runs) the same lines may hold
    another store's hook.

    """
    read = _hooks_read.get(store_class)
    if read is None:
        read = _hooks_read[store_class] = _read_hooks(store_class)
    return read


def _read_hooks(store_class: type) -> tuple[frozenset[str], bool]:
    keywords: set[str] = set()
    unseen = False
    for hook, skipped, is_dict in _overridden_hooks(store_class):
        try:
            keywords.update(_parameters_of(hook, skipped, is_dict))
            keywords.update(_keys_read_by(hook, skipped, is_dict))
        except _AnyKeyword:
            unseen = True
    return frozenset(keywords), unseen


def auto_filter_names(auto_filter_fields: Iterable[Any] | None) -> list[str]:
    return [field if isinstance(field, str) else field.key for field in auto_filter_fields or ()]


# Per store class: (its auto_filter_fields, accepted_filters and model_class objects, every keyword
# it accepts or None for any, and the checks of its filters' values by name). Reading `.key` off
# each column costs microseconds, more than a primary-key lookup's own work; the entry is reused
# while the store gives the very same objects.
_filters: dict[type, tuple[Any, Any, Any, frozenset[str] | None, dict[str, "_ValueCheck"]]] = {}


def store_filters(store: Any) -> tuple[frozenset[str] | None, dict[str, "_ValueCheck"]]:
    store_class = type(store)
    fields = store.auto_filter_fields
    declared = getattr(store, "accepted_filters", None)
    model = store.model_class
    cached = _filters.get(store_class)
    if cached is not None and cached[0] is fields and cached[1] is declared and cached[2] is model:
        return cached[3], cached[4]
    hooks = hook_keywords(store_class, declared)
    accepted = None if hooks is None else hooks | frozenset(auto_filter_names(fields))
    checks = _value_checks(model, fields)
    _filters[store_class] = (fields, declared, model, accepted, checks)
    return accepted, checks


def accepted_keywords(store: Any) -> frozenset[str] | None:
    """Every keyword the store accepts, or None when a hook may read any."""
    return store_filters(store)[0]


def check_filters(store: Any, kwargs: Mapping[str, Any], also: Iterable[str] = ()) -> None:
    """
    Raise `UnknownFilterError` unless the store uses every keyword in `kwargs`, and
    `FilterValueError` for an auto filter whose value its column cannot hold.

    """
    if not kwargs:
        return
    accepted, checks = store_filters(store)
    if accepted is not None:
        unknown = [name for name in kwargs if name not in accepted and name not in also]
        if unknown:
            raise UnknownFilterError(
                store=type(store).__name__,
                data_set=_data_set(store),
                unknown=unknown,
                accepted=sorted(accepted),
            )
    if checks:
        for name, value in kwargs.items():
            check = checks.get(name)
            if check is not None and value is not None:
                check.run(store, value)


def _data_set(store: Any) -> str:
    model = store.model_class
    return str(getattr(data_set_base(model), "__name__", model))


class _ValueCheck:
    """
    An auto filter whose column type processes values before binding them, and can refuse one.

    The check runs the very bind processor the query will run (SQLite's dialect), so exactly the
    values SQLAlchemy would refuse with a `StatementError` once the query executes are refused
    here, before any SQL, in words that name the filter and what it allows.

    """

    def __init__(self, name: str, column: str, type_: TypeEngine[Any], process: Callable[[Any], Any]) -> None:
        self.name = name
        self.column = column
        self.type = type_
        self.process = process

    def run(self, store: Any, value: Any) -> None:
        try:
            self.process(value)
        except Exception as error:
            raise FilterValueError(
                store=type(store).__name__,
                data_set=_data_set(store),
                name=self.name,
                value=value,
                column=self.column,
                reason=str(error),
                allowed=_allowed(self.type),
                expected=_expected(self.type),
            ) from None


def _allowed(type_: TypeEngine[Any]) -> list[str] | None:
    if isinstance(type_, EnumType):
        return list(type_.enum_class.__members__)
    if isinstance(type_, Enum):
        return list(type_.enums)
    return None


def _expected(type_: TypeEngine[Any]) -> str | None:
    enum_class = getattr(type_, "enum_class", None) if isinstance(type_, (EnumType, Enum)) else None
    if enum_class is not None:
        return f"a {enum_class.__name__} member or one of those names"
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return None
    return f"a {python_type.__name__}"


_dialect = SQLiteDialect_pysqlite()


def _value_checks(model: Any, fields: Iterable[Any] | None) -> dict[str, _ValueCheck]:
    """The checks of the auto filters whose column type processes (and so may refuse) values."""
    checks = {}
    for field in fields or ():
        attribute = getattr(model, field, None) if isinstance(field, str) else field
        expression = getattr(attribute, "expression", None)
        type_ = getattr(expression, "type", None)
        if not isinstance(type_, TypeEngine):
            continue
        process = type_.dialect_impl(_dialect).bind_processor(_dialect)
        if process is not None:
            name = field if isinstance(field, str) else field.key
            table = getattr(getattr(expression, "table", None), "name", None)
            column = getattr(expression, "name", None) or name
            checks[name] = _ValueCheck(name, column if table is None else f"{table}.{column}", type_, process)
    return checks


def _overridden_hooks(store_class: type) -> Iterable[tuple[Any, int, bool]]:
    """Every hook a class between `store_class` and the library's `Store` defines."""
    from microcosm_sqlite.stores import Store

    for klass in store_class.__mro__:
        if issubclass(Store, klass):
            continue  # Store itself and its bases
        for name in sorted(HOOKS & vars(klass).keys()):
            if name in DICT_HOOKS:
                yield vars(klass)[name], DICT_HOOKS[name], True
            else:
                yield vars(klass)[name], KEYWORD_HOOKS[name], False


def _parameters(hook: Any) -> list[inspect.Parameter]:
    if not inspect.isfunction(hook):
        raise _AnyKeyword  # a staticmethod, partial or other callable: not read
    if hasattr(hook, "__wrapped__"):
        # A decorated hook (functools.wraps): signature() and getsource() would show the wrapped
        # function, not the wrapper, which may consume keywords of its own.
        raise _AnyKeyword
    return list(inspect.signature(hook).parameters.values())


def _parameters_of(hook: Any, skipped: int, is_dict: bool) -> set[str]:
    """The keywords a hook names as parameters (`def _filter(self, query, last=None, **kwargs)`)."""
    if is_dict:
        return set()
    parameters = _parameters(hook)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    leading = {p.name for p in positional[:skipped]}
    return {p.name for p in parameters if p.name not in leading and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _keys_read_by(hook: Any, skipped: int, is_dict: bool) -> set[str]:
    """The literal keys a hook reads from its `**kwargs` (or, for `_auto_filters`, its dict)."""
    parameters = _parameters(hook)
    if is_dict:
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) <= skipped:
            raise _AnyKeyword
        mapping = positional[skipped].name
    else:
        var_keyword = [p.name for p in parameters if p.kind == p.VAR_KEYWORD]
        if not var_keyword:
            return set()
        mapping = var_keyword[0]
    return _keys_read(_source_of(hook), mapping, parameters[0].name if parameters else "")


def _source_of(hook: Any) -> ast.AST:
    """The hook's definition, parsed; `_AnyKeyword` when its source is not that definition."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(hook)))
    except Exception:  # no source (OSError), or none that parses: never fail a class definition
        raise _AnyKeyword from None
    # The source is read from the file as it is now: one edited or replaced since the import (an
    # upgrade in place) may hold other code at that line, which says nothing of this hook.
    name = hook.__code__.co_name
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
        if isinstance(node, ast.Lambda) and name == "<lambda>":
            return node
    raise _AnyKeyword


def _keys_read(tree: ast.AST, mapping: str, receiver: str) -> set[str]:
    """The literal keys read from the dict named `mapping`; `_AnyKeyword` for any other use of it."""
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    keys = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == mapping):
            continue
        parent = parents.get(node)
        if not isinstance(node.ctx, ast.Load):
            raise _AnyKeyword  # rebound: what it then holds is not the store's keywords
        keys.add(_key_read(node, parent, parents, receiver))
    keys.discard("")
    return keys


def _key_read(node: ast.Name, parent: ast.AST | None, parents: Mapping[ast.AST, ast.AST], receiver: str) -> str:
    """The literal key one use of the mapping reads ("" for a pass-through); `_AnyKeyword` otherwise."""
    if isinstance(parent, ast.Attribute) and parent.attr in KEY_METHODS:
        call = parents.get(parent)
        if isinstance(call, ast.Call) and call.func is parent and call.args and _is_text(call.args[0]):
            return call.args[0].value  # type: ignore[attr-defined, no-any-return]
    elif isinstance(parent, ast.Subscript) and parent.value is node and _is_text(parent.slice):
        return parent.slice.value  # type: ignore[attr-defined, no-any-return]
    elif isinstance(parent, ast.Compare) and node in parent.comparators and len(parent.ops) == 1:
        if isinstance(parent.ops[0], (ast.In, ast.NotIn)) and _is_text(parent.left):
            return parent.left.value  # type: ignore[attr-defined, no-any-return]
    elif isinstance(parent, ast.keyword) and parent.arg is None:
        # `**kwargs` handed on to another hook, which is read in its own right.
        if _calls_a_hook(parents.get(parent), receiver):
            return ""
    elif isinstance(parent, ast.Call) and node in parent.args and _calls_a_hook(parent, receiver):
        return ""  # the dict handed on to `_auto_filters`
    raise _AnyKeyword


def _calls_a_hook(call: ast.AST | None, receiver: str) -> bool:
    """Whether `call` is this store's own hook: `self._filter(...)` or `super()._filter(...)`."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in HOOKS):
        return False
    # Another object's hook (`self.inner._filter(...)`) uses another store's filters.
    target = call.func.value
    if isinstance(target, ast.Name):
        return target.id == receiver
    return isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super"


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)
