"""
The installed package points only at what its users have: no docstring, comment or message sends
them to a file of this repository (its notes, docs, tests or build scripts), which a wheel lacks.

"""

import re
from pathlib import Path

import microcosm_sqlite

PACKAGE = Path(microcosm_sqlite.__file__).parent

#: A file of this repository, named anywhere in the package's text.
REPOSITORY_FILE = re.compile(r"[\w./-]*\.md\b|\b(?:tests|benchmarks|docs|examples)/|/work/")

#: The folder of this repository's build scripts: library messages must not assume users have one
#: (the `build` command names it as its default folder, which users see and choose).
BUILD_SCRIPTS = "build_scripts/"


def package_files():
    return sorted(path for path in PACKAGE.rglob("*") if path.suffix in (".py", ".mako"))


def test_no_text_of_the_package_points_at_a_file_of_the_repository():
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in package_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if REPOSITORY_FILE.search(line)
    ]
    assert found == []


def test_library_messages_do_not_assume_a_build_scripts_folder():
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in package_files()
        if path.parent.name != "cli"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BUILD_SCRIPTS in line
    ]
    assert found == []
