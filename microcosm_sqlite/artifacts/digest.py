"""
The whole-file digest an artifact carries: the SHA-256 of every byte of it, checked before the first row.

SQLite pages carry no checksum (https://www.sqlite.org/fileformat.html), and `PRAGMA quick_check`
checks structure, not values: a flipped bit inside a value, or in an index entry, is served as a
changed row without an error. So the build records the SHA-256 of the finished file in the file
itself, and a reader hashes the file before trusting it: any changed byte, anywhere, is caught.

A file cannot hold its own hash, so the value is written in two steps. The build stores a
64-character placeholder as the metadata value `file_sha256`, finishes the file, hashes it with the
placeholder in place, then overwrites the placeholder's bytes with the digest: text of the same
length, so the record (its header says "text, 64 bytes" either way) and every page around it keep
their structure. A reader undoes that: it hashes the file with the stored digest's one occurrence
read as the placeholder.

The placeholder is derived from the artifact's content hash, so no value of the dataset can
contain it by chance (it would have to contain a hash of itself); the build can always find the
one occurrence to overwrite, whatever the data holds.

"""

import hashlib
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import event
from sqlalchemy.engine import Engine

from microcosm_sqlite._engines import connect_read_only
from microcosm_sqlite.artifacts.metadata import METADATA_TABLE, has_metadata
from microcosm_sqlite.artifacts.reading import quote
from microcosm_sqlite.constants import ARTIFACT_APPLICATION_ID, DIGEST_FORMAT_VERSION
from microcosm_sqlite.errors import ArtifactNotFoundError, DamagedArtifactError

__all__ = [
    "CHUNK_SIZE",
    "DIGEST_KEY",
    "DIGEST_LENGTH",
    "HEX",
    "HINT",
    "FileIdentity",
    "check_digest",
    "check_digest_of_file_at",
    "check_digest_of_replacements",
    "hash_as_built",
    "placeholder",
    "stamp_digest",
]


#: The metadata key of the digest.
DIGEST_KEY = "file_sha256"
#: Hex characters in a SHA-256.
DIGEST_LENGTH = 64
#: Bytes read at a time: memory stays flat whatever the file's size.
CHUNK_SIZE = 1 << 20

HINT = "rebuild it from its sources, or re-ship an intact copy of the built file"
HEX = frozenset("0123456789abcdef")


def placeholder(content_hash: str) -> str:
    """What the build writes where the digest goes, before the file's bytes are final."""
    return hashlib.sha256(f"microcosm-sqlite {DIGEST_KEY} placeholder {content_hash}".encode()).hexdigest()


def hash_as_built(artifact: BinaryIO, written: bytes, hashed: bytes) -> tuple[str, list[int]]:
    """
    The SHA-256 of a file with every occurrence of `written` read as `hashed` (same length), and
    the offsets of those occurrences.

    Streams in chunks; the last `len(written) - 1` bytes of each chunk wait for the next one, so an
    occurrence across a chunk boundary is found (and substituted) before its bytes are hashed.
    (`hashlib.file_digest` streams the same way but cannot substitute; one pass that finds and
    hashes reads the file once.)

    """
    digest = hashlib.sha256()
    offsets: list[int] = []
    pending = bytearray()
    position = 0  # the file offset of pending[0]
    while True:
        chunk = artifact.read(CHUNK_SIZE)
        pending += chunk
        searched = 0
        while (index := pending.find(written, searched)) != -1:
            offsets.append(position + index)
            pending[index : index + len(written)] = hashed
            searched = index + len(written)
        # Bytes that might begin an occurrence the next chunk completes stay pending, unless they
        # already belong to one found.
        final = len(pending) if not chunk else max(len(pending) - len(written) + 1, searched)
        with memoryview(pending) as view:
            digest.update(view[:final])
        del pending[:final]
        position += final
        if not chunk:
            return digest.hexdigest(), offsets


def stamp_digest(path: str | Path, content_hash: str) -> tuple[str, list[int]]:
    """
    Hash a finished artifact (its placeholder in place) and write the digest over the placeholder.

    Returns the digest and the placeholder's offsets; nothing is written unless there is exactly
    one. The caller fsyncs.

    """
    marker = placeholder(content_hash).encode()
    with open(path, "r+b") as artifact:
        digest, offsets = hash_as_built(artifact, marker, marker)
        if len(offsets) == 1:
            artifact.seek(offsets[0])
            artifact.write(digest.encode())
    return digest, offsets


def check_digest(data_set: str | None, path: str | Path) -> bool:
    """
    Check that an artifact's bytes are the ones its build hashed; False when it carries no digest.

    Raises `DamagedArtifactError` when they differ, or when the file cannot say: its metadata
    unreadable, the digest malformed, or missing while the file's stamps say it has one.

    """
    recorded = _recorded(data_set, path)
    if recorded is None:
        return False
    digest, content_hash = recorded
    try:
        with open(path, "rb") as artifact:
            actual, offsets = hash_as_built(artifact, digest.encode(), placeholder(content_hash).encode())
    except OSError as error:
        raise _unreadable(data_set, path, error) from None
    if len(offsets) != 1:
        raise _damaged(data_set, path, f"its recorded digest occurs {len(offsets)} times in the file instead of once")
    if actual != digest:
        raise _damaged(
            data_set,
            path,
            f"its bytes do not match the SHA-256 recorded at build time (sha256 {digest[:12]}… then, "
            f"{actual[:12]}… now): it changed after the build",
        )
    return True


#: What tells one file at a path from the next: device, inode, size, modification time.
FileIdentity = tuple[int, int, int, int]


def check_digest_of_file_at(data_set: str, path: str | Path) -> FileIdentity:
    """
    `check_digest`, and the identity of the file it checked: checked again if another file was
    renamed onto the path while it was being hashed.

    """
    while True:
        before = _identity(data_set, path)
        check_digest(data_set, path)
        if _identity(data_set, path) == before:
            return before


def check_digest_of_replacements(engine: Engine, data_set: str, path: str | Path, checked: FileIdentity) -> None:
    """
    Have every new connection of `engine` check the digest of the file it opened, unless it is the
    `checked` one (one `stat` per new connection, no hashing).

    Artifacts are deployed by renaming a new file onto the path, and connections opened afterwards
    (a pool growing under load, another thread, a forked worker) read the new file: without this,
    rows of a file no one checked would be served. The identity is taken just after SQLite opened
    the file, so it names the file the connection reads.

    """
    intact = {checked}

    @event.listens_for(engine, "connect")
    def check_replaced_file(dbapi_connection: Any, record: Any) -> None:
        if _identity(data_set, path) not in intact:
            intact.add(check_digest_of_file_at(data_set, path))


def _identity(data_set: str | None, path: str | Path) -> FileIdentity:
    try:
        stat = os.stat(path)
    except OSError as error:
        raise _unreadable(data_set, path, error) from None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def _recorded(data_set: str | None, path: str | Path) -> tuple[str, str] | None:
    """`(digest, content hash)` as the metadata records them, or None for a file without a digest."""
    try:
        with closing(connect_read_only(path, immutable=True)) as connection:
            stamped = _stamped_with_digest(connection)
            values: dict[str, object] = {}
            if has_metadata(connection):
                rows = connection.execute(
                    f"SELECT key, value FROM {quote(METADATA_TABLE)} WHERE key IN (?, ?, ?)",
                    (DIGEST_KEY, "content_hash", "format_version"),
                ).fetchall()
                values = {str(key): value for key, value in rows}
    except (sqlite3.Error, UnicodeDecodeError) as error:
        # Any error reading a few rows of a file whose header checked out is damage (an error
        # message quoting damaged bytes is not even UTF-8).
        raise _damaged(data_set, path, f"SQLite cannot read its metadata ({error})") from None
    digest, content_hash = values.get(DIGEST_KEY), values.get("content_hash")
    # Two independent places say whether a digest must be there (the header stamps and the
    # metadata), so that one flipped bit cannot make a damaged file pass for one without a digest.
    if digest is None and not stamped and not _format_has_digest(values.get("format_version")):
        return None
    if not _is_sha256(digest) or not _is_sha256(content_hash):
        raise _damaged(data_set, path, "its recorded SHA-256 digest is missing or malformed")
    assert isinstance(digest, str) and isinstance(content_hash, str)
    return digest, content_hash


def _stamped_with_digest(connection: sqlite3.Connection) -> bool:
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    format_version = connection.execute("PRAGMA user_version").fetchone()[0]
    return bool(application_id == ARTIFACT_APPLICATION_ID and format_version >= DIGEST_FORMAT_VERSION)


def _format_has_digest(value: object) -> bool:
    try:
        return int(str(value)) >= DIGEST_FORMAT_VERSION
    except ValueError:
        return value is not None


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == DIGEST_LENGTH and set(value) <= HEX


def _unreadable(data_set: str | None, path: str | Path, error: OSError) -> ArtifactNotFoundError:
    return ArtifactNotFoundError(
        f"the artifact file cannot be read ({error.strerror})",
        data_set=data_set,
        path=path,
        hint="check that it still exists and is readable",
    )


def _damaged(data_set: str | None, path: str | Path, problem: str) -> DamagedArtifactError:
    return DamagedArtifactError(f"the file is damaged: {problem}", data_set=data_set, path=path, hint=HINT)
