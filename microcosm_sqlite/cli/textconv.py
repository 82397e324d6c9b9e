"""
`microcosm-sqlite textconv`: an artifact as sorted text, for `git diff` and `git log -p`.

"""

import sys
from pathlib import Path

import click

from microcosm_sqlite.artifacts.text import text_lines
from microcosm_sqlite.cli.options import artifact_argument


@click.command(short_help="Print an artifact as sorted text, for git diff.")
@artifact_argument()
def textconv(artifact: Path) -> None:
    """
    Print an artifact as stable, sorted text: its metadata, then each table's rows in key order.

    Meant as git's textconv filter, so that `git diff` and `git log -p` show the rows that changed
    in a committed artifact instead of "Binary files differ": with this line in .gitattributes

    \b
        datasets/*.db diff=microcosm-sqlite

    run once per clone:

    \b
        git config diff.microcosm-sqlite.textconv "microcosm-sqlite textconv"

    The file is opened read-only and streamed (flat memory, whatever its size).

    \b
    Example:
        microcosm-sqlite textconv datasets/geography.db | less
    """
    write = sys.stdout.write
    for line in text_lines(artifact):
        write(line + "\n")
