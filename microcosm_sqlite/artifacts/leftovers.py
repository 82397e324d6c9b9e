"""
Temporary files of builds: named after their owner, locked while it runs, swept once it died.

A build writes `.<target name>.<pid>.<random>.building` beside its target and holds an exclusive
`flock` on it for its whole life. A build killed with SIGKILL runs no clean-up, so its files stay
(up to the size of the artifact), but the kernel drops its lock as the process dies. A file is
stale when its owner's process is gone AND no process holds its lock: the pid alone could be
another namespace's (a container sharing the folder) and the lock alone is not taken yet in the
instant after the file is created. The next build of the same target removes stale files;
`verify` lists every one it sees.

`flock`, not `fcntl`/`lockf`: SQLite holds POSIX locks on the same file, and closing any
descriptor of a file drops every POSIX lock the process holds on it (fcntl(2), "How To Corrupt An
SQLite Database File" section 2.2), whereas flock locks belong to one open file description.

"""

from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Leftover", "create_temporary", "leftovers", "remove_stale"]

SUFFIX = ".building"

#: What SQLite and the build derive from a temporary file's name: its journal, the compacted copy.
DERIVED = ("", "-journal", ".compact", ".compact-journal")


@dataclass(frozen=True)
class Leftover:
    """A build's temporary file (with the files derived from it) beside a target."""

    path: Path
    #: The process that created it; None for files named by versions that did not record it.
    pid: int | None
    running: bool
    size: int

    @property
    def stale(self) -> bool:
        """Whether the next build may remove it: its build is known to be dead."""
        return self.pid is not None and not self.running

    def __str__(self) -> str:
        where = (
            f"{self.path} ({self.size / 1e6:,.1f} MB)"
            if self.size >= 1e6
            else f"{self.path} ({self.size / 1e3:,.0f} kB)"
        )
        if self.running:
            return f"{where}: temporary file of a build still running (process {self.pid})"
        if self.stale:
            return f"{where}: left by a build that was killed (process {self.pid}); the next build removes it"
        return f"{where}: left by a build of an earlier microcosm-sqlite version; delete it once no build is running"


def create_temporary(target: Path) -> tuple[Path, int]:
    """A new temporary file beside `target`, and a descriptor holding its lock (close it last)."""
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=SUFFIX)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(descriptor)
        os.unlink(name)
        raise
    return Path(name), descriptor


def leftovers(target: str | os.PathLike[str]) -> list[Leftover]:
    """The temporary files of builds of `target` beside it, running or not, by name."""
    target = Path(target)
    prefix = f".{target.name}."
    groups: dict[str, int] = {}
    with suppress(FileNotFoundError, NotADirectoryError), os.scandir(target.parent) as entries:
        for entry in entries:
            name = _temporary_name(entry.name, prefix)
            if name is not None:
                with suppress(FileNotFoundError):
                    groups[name] = groups.get(name, 0) + entry.stat(follow_symlinks=False).st_size
    found_leftovers = []
    for name, size in sorted(groups.items()):
        pid = _owner(name[len(prefix) : -len(SUFFIX)])
        path = target.parent / name
        running = pid is None or _alive(pid) or _locked(path)
        found_leftovers.append(Leftover(path, pid, running and pid is not None, size))
    return found_leftovers


def remove_stale(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the files of builds of `target` that died; the temporary files removed."""
    removed = []
    for leftover in leftovers(target):
        if leftover.stale:
            for derived in DERIVED:
                # Gone already (another build swept it), or not ours to remove: never stop a build.
                with suppress(OSError):
                    os.unlink(f"{leftover.path}{derived}")
            removed.append(leftover.path)
    return removed


def _temporary_name(name: str, prefix: str) -> str | None:
    """The temporary file a file name belongs to (itself, or the one it derives from), if any."""
    if name.startswith(prefix):
        for derived in DERIVED:
            if name.endswith(SUFFIX + derived):
                return name[: len(name) - len(derived)]
    return None


def _owner(middle: str) -> int | None:
    """The pid in `<pid>.<random>`; None for the `<random>` of earlier versions."""
    pid, dot, _ = middle.partition(".")
    return int(pid) if dot and pid.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _locked(path: Path) -> bool:
    """
    Whether some process holds the build lock on `path` (False when the file is gone; True when it
    cannot be opened to tell, as another user's file: it is then never removed).

    """
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        # Closing also releases the shared lock just taken, if it was.
        os.close(descriptor)
    return False
