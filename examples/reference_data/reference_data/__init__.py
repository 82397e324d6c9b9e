"""
Example reference datasets for microcosm-sqlite: airports (from `airportsdata`) and countries,
subdivisions, currencies and languages (from `pycountry`'s ISO files).

Models and stores live in `reference_data.airports` and `reference_data.countries`; the build
from `datasets/sources/` in `reference_data.build`; the demo in `reference_data.demo`.

"""
