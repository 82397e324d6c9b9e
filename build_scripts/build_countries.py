"""
Build the countries artifact (datasets/countries.db) from pycountry's ISO files in datasets/sources/.

    python build_scripts/build_countries.py

"""

from pathlib import Path

from reference_data.rebuild import main
from reference_data.staging import COUNTRIES

if __name__ == "__main__":
    # The datasets/ beside this folder: a copy of the repository builds its own files.
    main([COUNTRIES], Path(__file__).resolve().parent.parent / "datasets")
