"""
Artifacts shipped inside a Python package, as real file paths for `microcosm.sqlite` entry points.

SQLite opens files, not Python resources, so an artifact shipped as package data needs a path on
disk. Installed from a wheel, a package's data files are already on disk and that path is returned
as it is. Imported from a zip (zipapp, `zipimport`, a PEX), the artifact is copied once into a
cache folder, under a name keyed by its SHA-256, and that copy's path is returned: every process
reading the same bytes shares one file, and a package upgrade that changes the artifact gets a new
file instead of rewriting one that others may have open.

`importlib.resources.as_file` is not enough on its own: its copy lives only as long as its
context, while a graph keeps the path for the life of the process.

"""

import hashlib
import os
import pathlib
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from microcosm_sqlite.errors import ConfigurationError

__all__ = [
    "CACHE_DIR_VARIABLE",
    "cache_dir",
    "packaged_artifact",
]

#: The environment variable that chooses where artifacts imported from a zip are copied.
CACHE_DIR_VARIABLE = "MICROCOSM_SQLITE_CACHE_DIR"

_CHUNK_SIZE = 1024 * 1024


def packaged_artifact(package: str, resource: str, cache: Path | str | None = None) -> Path:
    """
    The path of an artifact shipped in `package`, at `resource` ("data/airports.db", `/`-separated).

    For an entry point, in one line:

        def airports_path(graph):
            return packaged_artifact("my_package", "data/airports.db")

    A missing resource gives the path it would have, so that loading it read-only raises
    `ArtifactNotFoundError` naming the dataset and that path. `cache` overrides `cache_dir()`
    for packages imported from a zip.

    """
    found = files(package).joinpath(*resource.split("/"))
    if isinstance(found, pathlib.Path):
        return found
    if not found.is_file():
        # A zip member that does not exist: its place inside the archive, for the error message.
        return Path(str(found))
    return _materialise(found, Path(cache) if cache is not None else cache_dir())


def cache_dir() -> Path:
    """
    Where artifacts of packages imported from a zip are copied: `$MICROCOSM_SQLITE_CACHE_DIR`, or
    `microcosm-sqlite/artifacts` in the user's cache folder (`$XDG_CACHE_HOME`, else `~/.cache`).

    """
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "microcosm-sqlite" / "artifacts"


def _materialise(resource: Traversable, cache: Path) -> Path:
    """The cached copy of `resource` (`<cache>/<sha256>/<name>`), written first if missing."""
    # Hash before copying: once cached, every later start only reads the resource.
    digest = _sha256(resource)
    target = cache / digest / resource.name
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(resource, target)
    except OSError as error:
        raise ConfigurationError(
            f"cannot copy the packaged artifact {resource.name!r} into the cache folder {cache} "
            f"({error.strerror or error}); point {CACHE_DIR_VARIABLE} at a writable folder"
        ) from None
    return target


def _sha256(resource: Traversable) -> str:
    sha256 = hashlib.sha256()
    with resource.open("rb") as stream:
        while chunk := stream.read(_CHUNK_SIZE):
            sha256.update(chunk)
    return sha256.hexdigest()


def _write_atomically(resource: Traversable, target: Path) -> None:
    """
    Copy `resource` to `target` through a temporary file beside it, so that no process ever sees a
    partial copy, however many copy at once.

    The copy is published with `os.link`, which fails if the name exists: a process that loses the
    race keeps the winner's file (same bytes), and a file others have open is never replaced.

    """
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as copy, resource.open("rb") as stream:
            while chunk := stream.read(_CHUNK_SIZE):
                copy.write(chunk)
            copy.flush()
            os.fsync(copy.fileno())
        os.chmod(temporary, 0o444)
        try:
            os.link(temporary, target)
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: a rename is atomic too, and replaces identical bytes.
            os.replace(temporary, target)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
