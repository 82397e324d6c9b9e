"""
Build every example artifact in datasets/ from datasets/sources/, then verify each.

    python build_scripts/build_all.py

"""

from reference_data.rebuild import main
from reference_data.staging import EXAMPLE_DATA_SETS

if __name__ == "__main__":
    main(EXAMPLE_DATA_SETS)
