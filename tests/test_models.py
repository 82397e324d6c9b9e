from microcosm_sqlite.models import IdentityMixin
from tests.support.fixtures import City, Continent, Country


def test_equality_by_public_members():
    assert City(id=1, name="Paris", country_code="FR") == City(id=1, name="Paris", country_code="FR")
    assert City(id=1, name="Paris", country_code="FR") != City(id=1, name="Paris", country_code="CA")
    assert City(id=1, name="Paris") != Country(code="FR", name="France")


def test_members_are_the_columns():
    country = Country(code="FR", name="France", continent=Continent.EUROPE, landlocked=False)
    assert country._members() == dict(code="FR", name="France", continent=Continent.EUROPE, landlocked=False)


def test_hash_by_identity():
    first = City(id=1, name="Paris", country_code="FR")
    renamed = City(id=1, name="Paname", country_code="FR")
    assert first.identity == (1,)
    assert hash(first) == hash(renamed)
    assert len({first, City(id=1, name="Paris", country_code="FR")}) == 1


def test_plain_classes_compare_by_public_attributes():
    class Point(IdentityMixin):
        def __init__(self, x, y):
            self.x, self.y, self._cache = x, y, object()

        @property
        def identity(self):
            return (self.x, self.y)

    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert hash(Point(1, 2)) == hash((1, 2))
