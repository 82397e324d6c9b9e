"""
Where a dataset lives: an SQLite file, or a schema on a PostgreSQL server named by URL.

A configured location (`sqlite.paths`, an entry point, the environment) is a file path unless it
starts with a URL scheme (`scheme://`). Server URLs are the `DATABASE_URL` forms services already
use: `postgresql://`, `postgresql+psycopg://` and the `postgres://` some hosts hand out, all read
with psycopg 3 (`postgresql+psycopg://`).

A published dataset lives in one schema of the database, so many datasets share a database: by
default the dataset's name lower-cased (`Geography` -> `geography`, the name PostgreSQL folds an
unquoted identifier to), or the URL's `schema` query option (`...?schema=geography_v2`), which is
taken out of the URL before it reaches the driver.

Passwords are never shown: `ServerLocation.display` (used in every error, and its repr) masks the
URL's password and any `password` query option.

"""

import re
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from microcosm_sqlite.errors import ConfigurationError

#: The URL scheme datasets on a server are read through: PostgreSQL with psycopg 3.
SERVER_DRIVER = "postgresql+psycopg"
#: Schemes accepted for a PostgreSQL server, all read with `SERVER_DRIVER`.
SERVER_SCHEMES = frozenset({"postgresql", "postgres", SERVER_DRIVER})
#: The URL query option naming the dataset's schema (default: the dataset name lower-cased).
SCHEMA_OPTION = "schema"
MASK = "***"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_url(location: str) -> bool:
    """Whether a configured location is a URL (`scheme://...`) rather than a file path."""
    return bool(_SCHEME.match(str(location)))


def default_schema(data_set: str) -> str:
    """The schema a dataset is published in when its URL names none: its name, lower-cased."""
    return data_set.lower()


@dataclass(frozen=True, repr=False)
class ServerLocation:
    """A dataset on a PostgreSQL server: the URL to connect to, and the schema holding its tables."""

    #: What the engine connects to: psycopg 3, without the `schema` option.
    url: URL
    schema: str

    @property
    def display(self) -> str:
        """The location as errors and logs show it: the password masked."""
        url = self.url.update_query_dict({SCHEMA_OPTION: self.schema})
        masked = {key: MASK for key in url.query if "password" in key.lower()}
        if masked:
            url = url.update_query_dict(masked)
        return url.render_as_string(hide_password=True)

    def mask(self, text: str) -> str:
        """`text` with this location's password (and password options) replaced by the mask."""
        secrets = [self.url.password] + [
            value for key, value in self.url.query.items() if "password" in key.lower() and isinstance(value, str)
        ]
        for secret in secrets:
            if secret:
                text = text.replace(str(secret), MASK)
        return text

    def __str__(self) -> str:
        return self.display

    def __repr__(self) -> str:
        return f"ServerLocation({self.display!r})"


def server_location(location: str, data_set: str) -> ServerLocation:
    """
    Read a server URL configured for `data_set`.

    Any PostgreSQL scheme is normalised to psycopg 3; other schemes (another database, another
    driver) are a `ConfigurationError`, which never shows the password.

    """
    try:
        url = make_url(str(location))
    except ArgumentError:
        raise ConfigurationError(
            f"dataset {data_set!r}: the configured location is not a valid database URL; "
            "use postgresql://user:password@host:port/database"
        ) from None
    if url.drivername not in SERVER_SCHEMES:
        raise ConfigurationError(
            f"dataset {data_set!r} ({url.render_as_string(hide_password=True)}): "
            f"{url.drivername}:// is not a supported location; a dataset is an SQLite file path or a PostgreSQL "
            f"URL ({', '.join(f'{scheme}://' for scheme in sorted(SERVER_SCHEMES))})"
        )
    schema = url.query.get(SCHEMA_OPTION)
    if isinstance(schema, tuple):
        schema = schema[-1]
    url = url.set(drivername=SERVER_DRIVER).difference_update_query([SCHEMA_OPTION])
    return ServerLocation(url=url, schema=schema or default_schema(data_set))
