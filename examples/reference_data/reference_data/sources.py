"""
The pinned upstream packages the example datasets are copied from, and the files taken from each.

One place for these facts: `build_scripts/refresh_sources.py` copies from exactly these versions,
the `test` extra in setup.cfg pins the same versions (a test checks they agree), and the build
reads the copies in `datasets/sources/`, never what happens to be installed.

"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PinnedPackage:
    """A PyPI package at one version, the data files copied from it and its licence."""

    name: str
    version: str
    licence: str
    # Path inside the installed package -> file name in datasets/sources/.
    files: dict[str, str]
    licence_file: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


AIRPORTSDATA = PinnedPackage(
    name="airportsdata",
    version="20260905",
    licence="MIT",
    files={"airportsdata/airports.csv": "airports.csv"},
    licence_file="airportsdata.LICENSE",
)

PYCOUNTRY = PinnedPackage(
    name="pycountry",
    version="26.2.16",
    licence="LGPL-2.1-only (data from Debian's iso-codes)",
    files={
        "pycountry/databases/iso3166-1.json": "iso3166-1.json",
        "pycountry/databases/iso3166-2.json": "iso3166-2.json",
        "pycountry/databases/iso4217.json": "iso4217.json",
        "pycountry/databases/iso639-3.json": "iso639-3.json",
    },
    licence_file="pycountry.LICENSE",
)

PINNED_PACKAGES = (AIRPORTSDATA, PYCOUNTRY)

# Ours, not copied from a package: country codes that airportsdata uses outside ISO 3166-1.
NON_ISO_COUNTRY_CODES = "non_iso_country_codes.csv"
