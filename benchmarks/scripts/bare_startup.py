"""Floor for start-up: the interpreter alone, plus the tiny report every script prints."""
import time

start = time.perf_counter()

from common import Checksum, report  # noqa: E402

report(Checksum(), time.perf_counter() - start)
