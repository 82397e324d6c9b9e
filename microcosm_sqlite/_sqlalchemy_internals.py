"""
The private SQLAlchemy names this library leans on, each looked up here and nowhere else.

Private names move between releases (the identity map class is `WeakInstanceDict` in SQLAlchemy
2.0 and `_WeakInstanceDict` in 2.1), so each is looked up with `getattr` and a default, never read
directly, and nothing here may raise on import. Mostly the lookup fast path
(`microcosm_sqlite._lookups`) and the search fast path (`microcosm_sqlite._searches`) need them:
they load rows the way SQLAlchemy's own loader does (sqlalchemy/orm/loading.py), and reuse
compiled SQL the way its compiled cache does, which no public API offers cheaply. A name they need
that is missing switches the fast paths off (`FAST_PATH`), and lookups and searches then take the
ordinary query path.

"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

# Each name the fast paths use, by the dotted path of what holds it. A name renamed between
# releases is listed under each of its names, 2.1's first ("new|old"); the first one present is
# used. The identity map class is such a name too.
IDENTITY_MAP_CLASS_NAMES: Final = ("_WeakInstanceDict", "WeakInstanceDict")
CONTEXT_OPTIONS_NAMES: Final = "_compile_state_funcs|_with_context_options"
PROBED: Final[dict[str, tuple[str, ...]]] = {
    "sqlalchemy.orm.identity": IDENTITY_MAP_CLASS_NAMES,
    "sqlalchemy.orm.identity.IdentityMap": ("_add_unpresent",),
    "sqlalchemy.orm.session.Session": ("_is_clean",),
    # The search fast path: a statement's cache key (which compiled SQL it reuses, and the values
    # it binds this time), and its options (loader options, the ORM's compile-state functions),
    # which a plain SELECT would silently drop.
    "sqlalchemy.sql.cache_key.HasCacheKey": ("_generate_cache_key",),
    "sqlalchemy.sql.base.Executable": ("_with_options", CONTEXT_OPTIONS_NAMES),
    # Public, but written to directly as the loader does, so their meaning must be the loader's.
    "sqlalchemy.orm.state.InstanceState": ("key", "identity_token", "session_id", "expired_attributes"),
}


@dataclass(frozen=True)
class Internals:
    """What `probe` found: the internals the fast path calls, and the names it could not find."""

    missing: tuple[str, ...]
    # The class of `Session.identity_map`; the fast path only touches maps of exactly this class.
    identity_map_class: type | None = None
    # Session._is_clean(): the very test Session.autoflush() makes before flushing.
    session_is_clean: Callable[[Any], bool] | None = None
    # IdentityMap._add_unpresent(state, key): the loader's insert of a state it knows is absent.
    add_unpresent: Callable[[Any, Any, Any], None] | None = None
    # Select._generate_cache_key(): what the Core's own compiled cache is keyed by (None when the
    # statement cannot be cached), with the bound values in the order the compiled SQL takes them.
    cache_key: Callable[[Any], Any] | None = None
    # The options a statement carries (loader options, ORM compile-state functions): any of them
    # changes how rows are loaded, so the search fast path declines.
    statement_options: Callable[[Any], tuple[Any, ...]] | None = None

    @property
    def complete(self) -> bool:
        return not self.missing


def owner(dotted: str) -> Any:
    """The module or class at `dotted` ("package.module" or "package.module.Class"), or None."""
    try:
        return importlib.import_module(dotted)
    except ImportError:
        module, _, name = dotted.rpartition(".")
        try:
            return getattr(importlib.import_module(module), name, None)
        except ImportError:
            return None


def probe() -> Internals:
    """Look every name in `PROBED` up now; never raises."""
    try:
        return _probe()
    except Exception as error:  # a release reorganised beyond what _probe expects
        return Internals(missing=(f"({type(error).__name__}: {error})",))


def _probe() -> Internals:
    missing = []
    identity = owner("sqlalchemy.orm.identity")
    identity_map_class = next(
        (found for name in IDENTITY_MAP_CLASS_NAMES if isinstance(found := getattr(identity, name, None), type)),
        None,
    )
    if identity_map_class is None:
        missing.append(f"sqlalchemy.orm.identity.{'|'.join(IDENTITY_MAP_CLASS_NAMES)}")
    for dotted, names in PROBED.items():
        if names is IDENTITY_MAP_CLASS_NAMES:
            continue
        holder = owner(dotted)
        missing += [f"{dotted}.{name}" for name in names if first_present(holder, name) is None]
    session_class = owner("sqlalchemy.orm.session.Session")
    session_is_clean = getattr(session_class, "_is_clean", None)
    # Looked up on the concrete class, which overrides the base's generic form.
    add_unpresent = getattr(identity_map_class, "_add_unpresent", None)
    if missing or not callable(session_is_clean) or not callable(add_unpresent):
        return Internals(missing=tuple(missing) or ("(not callable)",))
    context_options = first_present(owner("sqlalchemy.sql.base.Executable"), CONTEXT_OPTIONS_NAMES)
    assert context_options is not None

    def statement_options(statement: Any) -> tuple[Any, ...]:
        return (*statement._with_options, *getattr(statement, context_options))

    return Internals(
        missing=(),
        identity_map_class=identity_map_class,
        session_is_clean=session_is_clean,
        add_unpresent=add_unpresent,
        cache_key=_cache_key,
        statement_options=statement_options,
    )


def first_present(holder: Any, names: str) -> str | None:
    """The first of `names` ("new|old") that `holder` has, or None."""
    return next((name for name in names.split("|") if hasattr(holder, name)), None)


def _cache_key(statement: Any) -> Any:
    return statement._generate_cache_key()


def _binary_types() -> tuple[type, ...]:
    # The base of every binary type, dialect ones included (MySQL's BLOBs, Oracle's RAW); without
    # it, the generic ones, which are all a SQLite model can use.
    base = getattr(owner("sqlalchemy.sql.sqltypes"), "_Binary", None)
    if isinstance(base, type):
        return (base,)
    from sqlalchemy.types import BINARY, VARBINARY, LargeBinary

    return (LargeBinary, BINARY, VARBINARY)


#: The classes of the binary column types (values read from sources as base64).
BINARY_TYPES: Final = _binary_types()

FOUND: Final = probe()
#: Whether the installed SQLAlchemy has everything the lookup fast path needs.
FAST_PATH: Final = FOUND.complete


_ABSENT: Final = object()


def select_limit(statement: Any) -> int | None:
    """
    A select's LIMIT as an integer (None: it has none), from `GenerativeSelect._limit`, the
    property SQLAlchemy's own compiler reads; no public API gives it back as a number.

    Raises `LookupError` where this SQLAlchemy lacks the property, and SQLAlchemy's `CompileError`
    where the limit is a SQL expression rather than a number: callers then count rows instead.

    """
    limit = getattr(statement, "_limit", _ABSENT)
    if limit is _ABSENT:
        raise LookupError("this SQLAlchemy has no Select._limit")
    return limit  # type: ignore[return-value]
