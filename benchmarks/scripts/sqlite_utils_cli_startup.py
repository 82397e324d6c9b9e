"""The peer: the `sqlite-utils` command line answering `--help` or `--version` (args=...), in-process."""

import contextlib
import io
import time

start = time.process_time()

from common import Checksum, arguments, report  # noqa: E402
from sqlite_utils.cli import cli  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()) as shown, contextlib.suppress(SystemExit):
    cli([arguments()["args"]], prog_name="sqlite-utils")
if not shown.getvalue().startswith(("Usage: sqlite-utils", "sqlite-utils, version")):
    raise SystemExit(f"unexpected output: {shown.getvalue()[:200]!r}")
report(Checksum(), time.process_time() - start)
