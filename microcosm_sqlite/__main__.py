"""`python -m microcosm_sqlite`: the `microcosm-sqlite` command line."""

from microcosm_sqlite.cli import main

main(prog_name="microcosm-sqlite")
