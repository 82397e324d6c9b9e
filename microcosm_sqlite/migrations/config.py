"""
The Alembic configuration of one dataset, built in code: no `alembic.ini` anywhere.

"""

import sys
from argparse import Namespace
from pathlib import Path
from typing import Any

from alembic.config import Config

#: The environment script and revision template shipped with the library.
SCRIPT_DIR = Path(__file__).with_name("script")

#: `Config.attributes` keys read by `environment.py` and `script/script.py.mako` (which spells
#: DATA_SET and INCLUDE_DOWNGRADE out: a template cannot import them).
GRAPH = "microcosm_sqlite.graph"
BASE = "microcosm_sqlite.base"
DATA_SET = "microcosm_sqlite.data_set"
INCLUDE_DOWNGRADE = "microcosm_sqlite.include_downgrade"
#: Optional: an engine to migrate instead of the dataset's own (a scratch database).
ENGINE = "microcosm_sqlite.engine"


def make_config(
    graph: Any,
    base: Any,
    folder: Path,
    *,
    include_downgrade: bool = True,
    cmd_opts: Namespace | None = None,
) -> Config:
    """
    An Alembic `Config` for one dataset whose revision files are in `folder`.

    `script_location` is the library's own folder (its `env.py` and `script.py.mako`);
    `version_locations` is the dataset's folder in the user's tree, the only place revision files
    are read from and written to. Without a graph and base (`microcosm_sqlite.alembic`), the
    config serves commands that only read revision files; the dataset is named after the folder.

    """
    config = Config(
        # Read sys.stdout now: Config's default is bound when alembic is imported.
        stdout=sys.stdout,
        cmd_opts=cmd_opts,
        attributes={
            GRAPH: graph,
            BASE: base,
            DATA_SET: folder.name if base is None else base.__name__,
            INCLUDE_DOWNGRADE: include_downgrade,
        },
    )
    config.set_main_option("script_location", _escape(str(SCRIPT_DIR)))
    config.set_main_option("version_locations", _escape(str(folder)))
    # Split version_locations on newlines only: a path may hold spaces, commas or colons.
    config.set_main_option("path_separator", "newline")
    return config


def _escape(value: str) -> str:
    """Protect `%` from ConfigParser interpolation (`Config.set_main_option` docs)."""
    return value.replace("%", "%%")
