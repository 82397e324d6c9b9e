"""
Identifier generation.

"""
from uuid import UUID, uuid4


def new_object_id() -> UUID:
    """Return a new random (version 4) UUID, suitable as a primary key."""
    return uuid4()
