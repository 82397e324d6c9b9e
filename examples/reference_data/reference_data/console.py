"""
Where the example prints: rich on a terminal; anywhere else (a pipe, a file, `make demo` in a CI
log) lines are kept whole, where rich would fold them at 80 columns, mid-path or mid-hash.

"""

import sys

from rich.console import Console

#: Wide enough that no line of the example's output is folded.
UNWRAPPED = 1_000_000


def console() -> Console:
    if sys.stdout.isatty():
        return Console()
    return Console(width=UNWRAPPED, soft_wrap=True)
