"""
Running the installed `microcosm-sqlite` console script in a real subprocess, as users do.

"""
import subprocess
import sys
from pathlib import Path

#: The console script pip installed beside the interpreter running the tests.
SCRIPT = Path(sys.executable).parent / "microcosm-sqlite"

#: The repository root: the working directory, so `tests.support.fixtures:CityStore` imports as in a project.
ROOT = Path(__file__).resolve().parent.parent.parent


def run(*args: object, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def damage(path: Path) -> Path:
    """Overwrite the first table's root page header, so that SQLite reports the file malformed."""
    with path.open("r+b") as artifact:
        artifact.seek(4096)
        artifact.write(b"\x0d\x00\x00\xff\xff" + b"\xee" * 50)
    return path


def truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])
    return path
