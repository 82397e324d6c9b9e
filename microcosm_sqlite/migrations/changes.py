"""
One line per schema change that Alembic's autogenerate finds, for people to read.

"""

from typing import Any


def describe_changes(diffs: list[Any]) -> list[str]:
    """Describe the result of `alembic.autogenerate.compare_metadata`."""
    lines: list[str] = []
    for diff in diffs:
        # Changes to one column come grouped in a list; everything else is a tuple.
        for change in diff if isinstance(diff, list) else [diff]:
            lines.append(describe_change(change))
    return lines


def describe_change(change: tuple[Any, ...]) -> str:
    kind, *details = change
    action, _, what = kind.partition("_")
    if what == "table":
        (table,) = details
        return f"{action} table {table.name}"
    if what == "column":
        _, table_name, column = details
        return f"{action} column {table_name}.{column.name} ({column.type})"
    if what in ("index", "constraint", "fk"):
        (constraint,) = details
        return f"{action} {_constraint_kind(what)} {constraint.name} on {_table_name(constraint)}"
    if kind.startswith("modify_"):
        _, table_name, column_name, _, old, new = details
        return f"change {kind[len('modify_') :]} of {table_name}.{column_name} from {old} to {new}"
    return f"{kind}: {details}"


def _constraint_kind(what: str) -> str:
    return {"fk": "foreign key", "index": "index"}.get(what, "constraint")


def _table_name(constraint: Any) -> str:
    return str(getattr(getattr(constraint, "table", None), "name", "?"))
