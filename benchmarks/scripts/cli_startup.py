"""Ours: the `microcosm-sqlite` command line answering `--help` or `--version` (args=...), in-process."""

import contextlib
import io
import time

start = time.process_time()

from common import Checksum, arguments, report  # noqa: E402

from microcosm_sqlite.cli import main  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()) as shown, contextlib.suppress(SystemExit):
    main([arguments()["args"]], prog_name="microcosm-sqlite")
if not shown.getvalue().startswith(("Usage: microcosm-sqlite", "microcosm-sqlite, version")):
    raise SystemExit(f"unexpected output: {shown.getvalue()[:200]!r}")
report(Checksum(), time.process_time() - start)
