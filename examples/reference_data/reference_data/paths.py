"""
Where the example datasets live: shipped inside this package, built in the repository.

The artifacts are package data, `reference_data/datasets/*.db`, and the `microcosm.sqlite` entry
points find them with `packaged_artifact`, so an installed wheel reads its own copy wherever it is
installed (even from a zip). In the repository, `reference_data/datasets` is a link to the top-level
`datasets/` folder the build scripts write, so an editable install reads what was last built.

The entry points resolve here, so this module must stay cheap to import: microcosm loads every
entry point whenever it creates a graph.

"""

from pathlib import Path
from typing import Any

from microcosm_sqlite.resources import packaged_artifact

#: The artifacts inside this package, as `packaged_artifact` names them.
AIRPORTS_RESOURCE = "datasets/airports.db"
COUNTRIES_RESOURCE = "datasets/countries.db"

# Build-time paths, in a checkout only (the sources are not shipped):
# examples/reference_data/reference_data/paths.py -> the repository root.
REPO_ROOT = Path(__file__).resolve().parents[3]
DATASETS_DIR = REPO_ROOT / "datasets"
SOURCES_DIR = DATASETS_DIR / "sources"

AIRPORTS_ARTIFACT = DATASETS_DIR / "airports.db"
COUNTRIES_ARTIFACT = DATASETS_DIR / "countries.db"


def airports_path(graph: Any) -> Path:
    """Entry point `microcosm.sqlite:Airports`: the airports artifact this package ships."""
    return packaged_artifact("reference_data", AIRPORTS_RESOURCE)


def countries_path(graph: Any) -> Path:
    """Entry point `microcosm.sqlite:Countries`: the countries artifact this package ships."""
    return packaged_artifact("reference_data", COUNTRIES_RESOURCE)
