"""
A dataset published on a PostgreSQL server, read without models: its URL, schema, metadata and
content hashes.

A published dataset is one schema holding the models' tables and the artifact's metadata table,
copied verbatim (`artifacts.publish`). Its content hashes are recomputed here from the server's
typed values, through the same encoders as an artifact's (`artifacts.hashing`), in the same key
order (text in the "C" collation, which orders by code point as SQLite's BINARY does, NULLs
first as SQLite sorts them): a published dataset hashes identically to the artifact it came from.

psycopg 3 is the driver (the `postgres` extra); it is imported when a server is first used.

"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from microcosm_sqlite._locations import SCHEMA_OPTION, is_url
from microcosm_sqlite.artifacts.hashing import TableHash, encode_json, encode_value, hash_rows
from microcosm_sqlite.artifacts.metadata import MALFORMED_HINT, METADATA_TABLE, ArtifactInfo
from microcosm_sqlite.artifacts.reading import INTERNAL_TABLE_PREFIXES
from microcosm_sqlite.constants import TYPED_HASH_FORMAT_VERSION
from microcosm_sqlite.errors import DriverNotInstalledError, MalformedMetadataError, ServerConnectionError, ServerError

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "FETCH_SIZE",
    "SCHEMES",
    "connect",
    "default_schema",
    "first_line",
    "has_table",
    "hash_table",
    "hash_tables",
    "is_server_url",
    "masked",
    "quote",
    "read_metadata",
    "schema_exists",
    "table_names",
]


#: URL schemes of a PostgreSQL server: SQLAlchemy's, its psycopg 3 dialect's, and the short form
#: some hosts hand out.
SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")
#: Rows fetched per round trip from a server-side cursor.
FETCH_SIZE = 2000

INSTALL_HINT = "install the PostgreSQL driver: pip install 'microcosm-sqlite[postgres]'"
CONNECT_HINT = "check the host, port, database and credentials in the URL, and that the server is running"


def is_server_url(location: object) -> bool:
    """
    Whether a dataset's location is a URL rather than a file path: any `scheme://`, so that a URL
    of another database is refused as one (`connect`), never read as a file name, password and all.

    """
    return isinstance(location, str) and is_url(location)


def masked(url: str) -> str:
    """The URL as errors and reports show it: the password replaced by ***, the rest as given."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url.partition("://")[0] + "://***"  # unparsable: show nothing that could be a secret
    # libpq also takes the password as a query parameter.
    parts = parts._replace(query=re.sub(r"(?i)\b(password=)[^&]*", r"\1***", parts.query))
    if password is not None:
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    # By hand: urlunsplit drops an empty host ("postgresql:///db"), which libpq reads as a socket.
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{query}{fragment}"


def default_schema(data_set: str) -> str:
    """The schema a dataset is published to unless told otherwise: its name, lower-cased."""
    return data_set.lower()


def quote(identifier: str) -> str:
    """Quote a PostgreSQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def schema_in_url(url: str) -> tuple[str, str | None]:
    """
    The URL without its `schema` query option, and that option's value (None: not given).

    Services name a dataset's schema in its URL (`...?schema=geography_v2`), so publish and verify
    take the same URL; libpq knows no such option, so it is taken out before connecting.

    """
    parts = urlsplit(url)
    options = parse_qsl(parts.query, keep_blank_values=True)
    named = [value for key, value in options if key == SCHEMA_OPTION]
    if not named:
        return url, None
    query = urlencode([(key, value) for key, value in options if key != SCHEMA_OPTION], safe="/")
    return url.split("?", 1)[0] + (f"?{query}" if query else ""), named[-1]


@contextmanager
def connect(url: str, data_set: str | None, autocommit: bool = False) -> Iterator[psycopg.Connection[Any]]:
    """
    A psycopg connection to the server `url` names, closed on exit (a transaction still open is
    rolled back by the server). Failing to connect is a `ServerConnectionError` naming the URL,
    its password masked.

    """
    scheme = url.partition("://")[0]
    if scheme.lower() not in SCHEMES:
        # libpq would be handed the rest of the URL as a PostgreSQL one, whatever database it names.
        raise ServerError(
            f"{scheme}:// is not a supported PostgreSQL URL",
            data_set=data_set,
            path=masked(url),
            hint="use postgresql://user:password@host:port/database (or postgres://, postgresql+psycopg://)",
        )
    try:
        import psycopg
    except ImportError:
        raise DriverNotInstalledError(
            "the PostgreSQL driver is not installed", data_set=data_set, path=masked(url), hint=INSTALL_HINT
        ) from None
    # libpq reads postgresql:// and postgres:// URIs itself, query parameters (host=/socket/dir) included.
    conninfo = "postgresql://" + schema_in_url(url)[0].partition("://")[2]
    try:
        connection = psycopg.connect(conninfo, autocommit=autocommit)
    except psycopg.Error as error:
        raise ServerConnectionError(
            f"cannot connect to the server ({first_line(error)})",
            data_set=data_set,
            path=masked(url),
            hint=CONNECT_HINT,
        ) from None
    with connection:
        yield connection


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def schema_exists(connection: psycopg.Connection[Any], schema: str) -> bool:
    row = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    return row is not None


def has_table(connection: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", (schema, table)
    ).fetchone()
    return row is not None


def table_names(connection: psycopg.Connection[Any], schema: str) -> list[str]:
    """The content tables of a published dataset, sorted by name as an artifact's are."""
    rows = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
    return sorted(name for (name,) in rows if not name.startswith(INTERNAL_TABLE_PREFIXES))


def read_metadata(connection: psycopg.Connection[Any], schema: str, data_set: str, url: str) -> ArtifactInfo | None:
    """The metadata a published dataset carries (its artifact's), or None when it has none."""
    if not has_table(connection, schema, METADATA_TABLE):
        return None
    rows = connection.execute(f"SELECT key, value FROM {quote(schema)}.{quote(METADATA_TABLE)}").fetchall()
    try:
        return ArtifactInfo.from_items({str(key): str(value) for key, value in rows if value is not None})
    except ValueError as error:
        raise MalformedMetadataError(
            f"the metadata table of schema {schema!r} is malformed ({error})",
            data_set=data_set,
            path=masked(url),
            hint=MALFORMED_HINT,
        ) from None


def hash_tables(connection: psycopg.Connection[Any], schema: str, format_version: int) -> dict[str, TableHash]:
    """The content hash of every table of a published dataset, as its artifact's format computes them."""
    return {table: hash_table(connection, schema, table, format_version) for table in table_names(connection, schema)}


def hash_table(connection: psycopg.Connection[Any], schema: str, table: str, format_version: int) -> TableHash:
    """Hash one table of a published dataset, streamed through a server-side cursor."""
    relation = f"{quote(schema)}.{quote(table)}"
    columns = connection.execute(
        "SELECT a.attname, t.typname, t.typcategory FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (relation,),
    ).fetchall()
    key = [
        name
        for (name,) in connection.execute(
            "SELECT a.attname FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, position), pg_attribute a "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary AND a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "ORDER BY k.position",
            (relation,),
        )
    ]
    # JSON is read as the text the server keeps (`json` keeps it as written) and parsed here, so a
    # JSON null stays apart from SQL NULL.
    expressions = {
        name: f"{quote(name)}::text" if type_name in ("json", "jsonb") else quote(name)
        for name, type_name, _ in columns
    }
    textual = {name for name, type_name, category in columns if category == "S" or type_name in ("json", "jsonb")}
    order = ", ".join(
        expressions[name] + (' COLLATE "C"' if name in textual else "") + " NULLS FIRST"
        for name in key or [name for name, _, _ in columns]
    )
    typed = format_version >= TYPED_HASH_FORMAT_VERSION
    encoders = [
        encode_json if typed and type_name in ("json", "jsonb") else encode_value for _, type_name, _ in columns
    ]
    selected = ", ".join(expressions[name] for name, _, _ in columns)
    with connection.cursor(name="microcosm_sqlite_hash") as cursor:
        cursor.itersize = FETCH_SIZE
        cursor.execute(f"SELECT {selected} FROM {relation} ORDER BY {order}")  # type: ignore[arg-type]
        return hash_rows(table, [name for name, _, _ in columns], encoders, cursor)
