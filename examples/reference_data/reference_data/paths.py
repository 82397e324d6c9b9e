"""
Where the example datasets live in the repository.

The `microcosm.sqlite` entry points resolve here, so this module must stay cheap to import:
microcosm loads every entry point whenever it creates a graph.

"""

from pathlib import Path
from typing import Any

# examples/reference_data/reference_data/paths.py -> the repository root (installed editable).
REPO_ROOT = Path(__file__).resolve().parents[3]
DATASETS_DIR = REPO_ROOT / "datasets"
SOURCES_DIR = DATASETS_DIR / "sources"

AIRPORTS_ARTIFACT = DATASETS_DIR / "airports.db"
COUNTRIES_ARTIFACT = DATASETS_DIR / "countries.db"


def airports_path(graph: Any) -> Path:
    """Entry point `microcosm.sqlite:Airports`: the committed airports artifact."""
    return AIRPORTS_ARTIFACT


def countries_path(graph: Any) -> Path:
    """Entry point `microcosm.sqlite:Countries`: the committed countries artifact."""
    return COUNTRIES_ARTIFACT
