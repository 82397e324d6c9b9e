from uuid import UUID

from microcosm_sqlite.identifiers import new_object_id


def test_new_object_ids_are_random_uuids():
    ids = {new_object_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(isinstance(value, UUID) and value.version == 4 for value in ids)
