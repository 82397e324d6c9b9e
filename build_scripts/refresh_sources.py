"""
Copy the example datasets' upstream files into datasets/sources/ from the pinned package versions.

    python build_scripts/refresh_sources.py

Versions are pinned in examples/reference_data/reference_data/sources.py (and in setup.cfg's
`test` extra). The files come from the pinned wheel: from the installed distribution when its
version is the pinned one, otherwise from `pip download` into a temporary folder. Then rebuild the
artifacts (`python build_scripts/build_all.py`) and commit sources and artifacts together.

"""

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from reference_data.paths import SOURCES_DIR
from reference_data.sources import NON_ISO_COUNTRY_CODES, PINNED_PACKAGES, PinnedPackage

PROVENANCE = "README.md"


def wheel_files(package: PinnedPackage, folder: Path) -> dict[str, bytes]:
    """The package's data files and licence (key "LICENSE"), read from its pinned wheel."""
    try:
        installed = distribution(package.name)
    except PackageNotFoundError:
        installed = None
    if installed is not None and installed.version == package.version:
        files = {str(file): file for file in installed.files or ()}
        contents = {name: Path(installed.locate_file(name)).read_bytes() for name in package.files}
        licence = next(str(file) for file in files if "/licenses/" in str(file) or str(file).endswith("/LICENSE"))
        contents["LICENSE"] = Path(installed.locate_file(licence)).read_bytes()
        return contents
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(folder),
            package.requirement,
        ],
        check=True,
    )
    (wheel,) = folder.glob(f"{package.name}-{package.version}-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        contents = {name: archive.read(name) for name in package.files}
        licence = next(name for name in archive.namelist() if ".dist-info/licenses/" in name)
        contents["LICENSE"] = archive.read(licence)
    return contents


def provenance(rows: list[tuple[PinnedPackage, str, str]]) -> str:
    lines = [
        "# Sources of the example datasets",
        "",
        "Copied by `build_scripts/refresh_sources.py` from the pinned PyPI packages; do not edit by hand.",
        f"`{NON_ISO_COUNTRY_CODES}` is ours: the country codes airportsdata uses outside ISO 3166-1.",
        "",
        "| file | package | version | licence | sha256 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for package, name, digest in rows:
        lines.append(f"| {name} | {package.name} | {package.version} | {package.licence} | `{digest}` |")
    return "\n".join(lines) + "\n"


def refresh(target: Path = SOURCES_DIR) -> None:
    target.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for package in PINNED_PACKAGES:
            contents = wheel_files(package, Path(folder))
            (target / package.licence_file).write_bytes(contents.pop("LICENSE"))
            for inner, name in package.files.items():
                (target / name).write_bytes(contents[inner])
                rows.append((package, name, hashlib.sha256(contents[inner]).hexdigest()))
                print(f"{name}: {package.requirement}")
    (target / PROVENANCE).write_text(provenance(rows), encoding="utf-8")


if __name__ == "__main__":
    refresh()
