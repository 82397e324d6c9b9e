"""
Identifier generation.

"""

from uuid import UUID, uuid4

__all__ = ["new_object_id"]


def new_object_id() -> UUID:
    """Return a new random (version 4) UUID, suitable as a primary key."""
    return uuid4()
