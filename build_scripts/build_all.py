"""
Build every example artifact in datasets/ from datasets/sources/, then verify each.

    python build_scripts/build_all.py

"""

from pathlib import Path

from reference_data.rebuild import main
from reference_data.staging import EXAMPLE_DATA_SETS

if __name__ == "__main__":
    # The datasets/ beside this folder: a copy of the repository builds its own files.
    main(EXAMPLE_DATA_SETS, Path(__file__).resolve().parent.parent / "datasets")
