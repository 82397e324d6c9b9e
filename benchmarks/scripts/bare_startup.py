"""Floor for start-up: the interpreter alone, plus the tiny report every script prints."""

import time

start = time.process_time()

from common import Checksum, report  # noqa: E402

report(Checksum(), time.process_time() - start)
