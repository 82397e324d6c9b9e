"""The example datasets' upstream copies in datasets/sources/ and their pins."""

import configparser
import hashlib
import re
from importlib.metadata import version
from pathlib import Path

import pytest

from reference_data.paths import REPO_ROOT, SOURCES_DIR
from reference_data.sources import NON_ISO_COUNTRY_CODES, PINNED_PACKAGES

PROVENANCE_ROW = re.compile(
    r"^\| (?P<file>\S+) \| (?P<package>\S+) \| (?P<version>\S+) \| .* \| `(?P<sha256>[0-9a-f]{64})` \|$"
)


def test_setup_cfg_test_extra_pins_the_same_versions_as_the_sources():
    config = configparser.ConfigParser()
    config.read(REPO_ROOT / "setup.cfg")
    test_extra = config["options.extras_require"]["test"].split("\n")

    for package in PINNED_PACKAGES:
        assert package.requirement in test_extra


def test_the_dev_venv_has_the_pinned_versions_the_cross_checks_read():
    for package in PINNED_PACKAGES:
        assert version(package.name) == package.version


def test_every_copied_file_is_recorded_with_its_version_and_hash():
    recorded = {}
    for line in (SOURCES_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        match = PROVENANCE_ROW.match(line)
        if match:
            recorded[match["file"]] = match.groupdict()

    expected = {name: package for package in PINNED_PACKAGES for name in package.files.values()}
    assert set(recorded) == set(expected)
    for name, package in expected.items():
        assert (recorded[name]["package"], recorded[name]["version"]) == (package.name, package.version)
        assert recorded[name]["sha256"] == hashlib.sha256((SOURCES_DIR / name).read_bytes()).hexdigest()


@pytest.mark.parametrize("package", PINNED_PACKAGES, ids=lambda package: package.name)
def test_each_package_licence_is_copied_beside_its_files(package):
    assert (SOURCES_DIR / package.licence_file).stat().st_size > 0


def test_the_non_iso_code_list_is_ours_and_present():
    assert Path(SOURCES_DIR / NON_ISO_COUNTRY_CODES).read_text(encoding="utf-8").startswith("code,name,reason\n")
