"""
Build the countries artifact (datasets/countries.db) from pycountry's ISO files in datasets/sources/.

    python build_scripts/build_countries.py

"""

from reference_data.rebuild import main
from reference_data.staging import COUNTRIES

if __name__ == "__main__":
    main([COUNTRIES])
