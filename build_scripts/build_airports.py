"""
Build the airports artifact (datasets/airports.db) from datasets/sources/airports.csv and iso3166-1.json.

    python build_scripts/build_airports.py

"""

from pathlib import Path

from reference_data.rebuild import main
from reference_data.staging import AIRPORTS

if __name__ == "__main__":
    # The datasets/ beside this folder: a copy of the repository builds its own files.
    main([AIRPORTS], Path(__file__).resolve().parent.parent / "datasets")
