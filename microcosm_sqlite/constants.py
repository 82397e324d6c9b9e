"""
Constants shared by the library.

"""

from typing import Final

__all__ = [
    "ARTIFACT_APPLICATION_ID",
    "ARTIFACT_FORMAT_VERSION",
    "DEFAULT_BUSY_TIMEOUT",
    "DEFAULT_SEARCH_BATCH_SIZE",
    "DIGEST_FORMAT_VERSION",
    "MEMORY_PATH",
    "READABLE_FORMAT_VERSIONS",
    "TYPED_HASH_FORMAT_VERSION",
    "naming_convention",
]


#: Every constraint gets a name, so Alembic batch migrations can drop and recreate it on SQLite.
naming_convention: Final[dict[str, str]] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The path that means "no file": a private in-memory database.
MEMORY_PATH: Final = ":memory:"

#: Rows fetched per batch when a search result is streamed.
DEFAULT_SEARCH_BATCH_SIZE: Final = 1000

#: Seconds a connection waits for a lock held by another connection before giving up.
DEFAULT_BUSY_TIMEOUT: Final = 10.0

#: `PRAGMA application_id` of every artifact the builder writes ("MCSQ"): header offset 68 says
#: "microcosm-sqlite artifact" to anyone who reads the first 100 bytes.
ARTIFACT_APPLICATION_ID: Final = 0x4D435351

#: `PRAGMA user_version` of artifacts: the format of the metadata table, bumped when it changes.
#: 1: the metadata table; 2: and the whole-file digest (`file_sha256`); 3: content hashes over the
#: models' values rather than SQLite's storage, so an artifact and its PostgreSQL copy agree.
ARTIFACT_FORMAT_VERSION: Final = 3

#: Every format this library reads: older artifacts keep working.
READABLE_FORMAT_VERSIONS: Final = (1, 2, 3)

#: The first format whose artifacts carry a whole-file digest.
DIGEST_FORMAT_VERSION: Final = 2

#: The first format whose content hashes encode the models' values (`artifacts.hashing`).
TYPED_HASH_FORMAT_VERSION: Final = 3
