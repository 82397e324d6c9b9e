"""
The supported range is the tested range: every dependency's lower bound is what `make test-oldest` installs.

"""

import configparser
import re
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


#: Extras whose dependencies are part of the supported range too (what `pip install '...[postgres]'` gets).
EXTRAS = ("postgres",)


def claimed() -> dict[str, Requirement]:
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    lines = setup["options"]["install_requires"].strip().splitlines()
    for extra in EXTRAS:
        lines += [
            line for line in setup["options.extras_require"][extra].strip().splitlines() if not line.startswith("#")
        ]
    return {canonicalize_name(requirement.name): requirement for requirement in map(Requirement, lines)}


def pinned() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints" / "minimum.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, pin = line.partition("==")
            pins[canonicalize_name(name)] = Version(pin.strip())
    return pins


def test_every_dependency_is_pinned_at_its_claimed_lower_bound():
    lower_bounds = {}
    for name, requirement in claimed().items():
        bounds = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert len(bounds) == 1, f"{requirement}: claim one lower bound (>=), so that make test-oldest can prove it"
        lower_bounds[name] = Version(bounds[0])

    assert pinned() == lower_bounds


def test_the_installed_versions_are_within_the_claimed_ranges():
    for name, requirement in claimed().items():
        assert requirement.specifier.contains(version(name)), f"{name} {version(name)} is outside {requirement}"


def test_the_classifiers_name_the_claimed_pythons():
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    pythons = re.findall(r"Programming Language :: Python :: (3\.\d+)$", setup["metadata"]["classifiers"], re.M)
    assert pythons, "the classifiers name no Python version"
    oldest, *others = sorted(pythons, key=lambda python: int(python.split(".")[1]))
    assert setup["options"]["python_requires"] == f">={oldest}"
    # The oldest runs in make test and make test-oldest; CI looks for every other one it claims.
    assert (ROOT / "Makefile").read_text().count(f"python{oldest}\n") == 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert all(f"find_python {python})" in ci for python in others)
