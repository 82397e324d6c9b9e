"""
Running the `microcosm-sqlite` command line: in-process through click's `CliRunner`, or as the
installed console script in a real subprocess.

`run` answers like `subprocess.run` (a `CompletedProcess` with `returncode`, `stdout`, `stderr`),
so a test reads the same whichever way the command ran. It runs in-process, which spares an
interpreter start and the imports per command, unless the command needs a process of its own:
a working directory other than the repository root (the command imports modules from there,
which one interpreter would cache across tests) or an environment of its own (read when a graph
is created). `run_script` always runs the installed console script, for the smoke tests that
check what users run.

"""

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import traceback
from pathlib import Path

from click.testing import CliRunner

#: The console script pip installed beside the interpreter running the tests.
SCRIPT = Path(sys.executable).parent / "microcosm-sqlite"

#: The repository root: the working directory, so `tests.support.fixtures:CityStore` imports as in a project.
ROOT = Path(__file__).resolve().parent.parent.parent


def cli_runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout: click 8.1 mixes them unless told not to, 8.2 dropped the option."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run(*args: object, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    if env is not None or Path(cwd).resolve() != ROOT or Path.cwd().resolve() != ROOT:
        return run_script(*args, env=env, cwd=cwd)
    return run_in_process(*args)


def run_in_process(*args: object) -> subprocess.CompletedProcess[str]:
    """The command run by click's test runner in this interpreter, its streams captured."""
    from microcosm_sqlite.cli import main

    argv = [str(arg) for arg in args]
    result = cli_runner().invoke(main, argv, prog_name="microcosm-sqlite")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # The console script would have printed the traceback and exited 1: keep it visible.
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["microcosm-sqlite", *argv], result.exit_code, result.stdout, stderr)


def run_script(*args: object, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The installed console script, in a real subprocess, as users run it."""
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


#: Colours, cursor moves and the like that rich writes to a terminal.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def run_on_terminal(
    *args: object, terminal: tuple[str, ...] = ("stdout",), columns: int = 80, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """
    The installed console script with the `terminal` streams (stdout, stderr) on a pseudo-terminal
    `columns` wide and the others piped; what the terminal showed comes back without escape codes.

    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    for variable in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(variable, None)
    process = subprocess.Popen(
        [str(SCRIPT), *map(str, args)],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=slave if "stdout" in terminal else subprocess.PIPE,
        stderr=slave if "stderr" in terminal else subprocess.PIPE,
    )
    os.close(slave)
    shown: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every process holding the terminal has closed it
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        reader.join(timeout=10)
        os.close(master)
    text = _ANSI.sub("", b"".join(shown).decode(errors="replace")).replace("\r\n", "\n")
    return subprocess.CompletedProcess(
        process.args,
        process.returncode,
        text if "stdout" in terminal else stdout.decode(),
        text if "stderr" in terminal else stderr.decode(),
    )
