"""
The package's layering: which part may import which, read from the source, so a cycle or a
shortcut into another package's internals fails here rather than in a reviewer's head.

"""

import ast
from pathlib import Path

import microcosm_sqlite

PACKAGE = Path(microcosm_sqlite.__file__).parent
SUBPACKAGES = ("artifacts", "builders", "cli", "cmd", "dumpers", "migrations")


def part_of(module: str) -> str:
    """The subpackage a module belongs to, or the top-level module itself (each one its own part)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in SUBPACKAGES:
        return parts[1]
    return ".".join(parts[:2])


def imports(lazy: bool = True) -> list[tuple[str, str]]:
    """(importing module, imported name) for every microcosm_sqlite import; `lazy`: also in functions."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(part for part in relative.parts if part != "__init__")
        tree = ast.parse(path.read_text())
        nodes = ast.walk(tree) if lazy else (node for top in tree.body for node in _outside_functions(top))
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("microcosm_sqlite"):
                found.extend((module, f"{node.module}.{alias.name}") for alias in node.names)
            elif isinstance(node, ast.Import):
                found.extend((module, alias.name) for alias in node.names if alias.name.startswith("microcosm_sqlite"))
    return found


def _outside_functions(node: ast.AST):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _outside_functions(child)


def test_builders_and_dumpers_never_import_each_other():
    crossing = [
        (importer, imported)
        for importer, imported in imports()
        if {part_of(importer), part_of(imported)} == {"builders", "dumpers"}
    ]
    assert crossing == []


def test_no_import_cycle_between_packages():
    # A top-level module counts as a part of its own, so artifacts/ may use errors.py while
    # factories.py uses artifacts/, but artifacts/ may not use a module that uses artifacts/.
    # Imports inside functions are left out: they run after every module has loaded.
    edges = {
        (part_of(importer), part_of(imported))
        for importer, imported in imports(lazy=False)
        if part_of(importer) != part_of(imported) and imported.split(".")[-1] not in ("__init__",)
    }
    parts = {part for edge in edges for part in edge}
    reachable = {part: {b for a, b in edges if a == part} for part in parts}
    changed = True
    while changed:
        changed = False
        for targets in reachable.values():
            more = set().union(*(reachable[target] for target in targets)) - targets
            if more:
                targets |= more
                changed = True
    assert [part for part, targets in reachable.items() if part in targets] == []


def test_the_cli_uses_the_public_faces_of_builders_and_dumpers():
    reaching_in = [
        (importer, imported)
        for importer, imported in imports()
        if part_of(importer) == "cli"
        and part_of(imported) in ("builders", "dumpers")
        and imported.count(".") > 2  # microcosm_sqlite.builders.<module>.<name>
    ]
    assert reaching_in == []


def test_the_postgresql_driver_is_imported_only_when_a_server_is_used():
    """psycopg comes with the `postgres` extra: importing the package (or artifacts/) must not need it."""
    at_import = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for top in tree.body:
            for node in _outside_functions(top):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                    break
                at_import.extend((str(path.relative_to(PACKAGE)), name) for name in names if name.startswith("psycopg"))
    assert at_import == []


def test_packaged_artifacts_resolve_with_errors_alone():
    # Entry points call packaged_artifact whenever a graph is created: it must stay a leaf that any
    # layer (factories, the CLI, a user's package) can import without pulling in another.
    used = {part_of(imported) for importer, imported in imports() if importer == "microcosm_sqlite.resources"}
    assert used == {"microcosm_sqlite.errors"}
