"""
Build the airports artifact (datasets/airports.db) from datasets/sources/airports.csv and iso3166-1.json.

    python build_scripts/build_airports.py

"""

from reference_data.rebuild import main
from reference_data.staging import AIRPORTS

if __name__ == "__main__":
    main([AIRPORTS])
