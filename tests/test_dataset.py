from sqlalchemy import Column, Integer, String, inspect

from microcosm_sqlite import DataSet
from microcosm_sqlite.constants import naming_convention
from microcosm_sqlite.context import SessionContext
from tests.support.fixtures import City, Country, Geography
from tests.support.graphs import make_graph


class Audited:
    """A plain mixin given to DataSet.create as `cls`."""

    def describe(self):
        return f"{type(self).__name__} of {type(self).resolve().__name__}"


def test_create_names_the_base_after_the_dataset():
    assert Geography.__name__ == "Geography"
    assert Geography.resolve() is Geography
    assert City.resolve() is Geography
    assert Country.resolve() is Geography


def test_metadata_names_every_constraint():
    assert Geography.metadata.naming_convention.items() >= naming_convention.items()
    city = Geography.metadata.tables["city"]
    names = {constraint.name for constraint in city.constraints}
    assert "pk_city" in names
    assert "uq_city_country_code" in names
    assert "fk_city_country_code_country" in names
    assert {index.name for index in city.indexes} == {"ix_city_name"}


def test_cls_mixin_is_shared_by_models():
    Shop = DataSet.create("Shop", cls=Audited)

    class Product(Shop):
        __tablename__ = "product"
        id = Column(Integer, primary_key=True)

    assert Product().describe() == "Product of Shop"
    assert Product.resolve() is Shop


def test_each_dataset_has_its_own_metadata():
    One = DataSet.create("One")
    Two = DataSet.create("Two")
    assert One.metadata is not Two.metadata


def test_create_drop_recreate_all(tmp_path):
    path = tmp_path / "geography.db"
    graph = make_graph(paths={"Geography": str(path)})
    Geography.create_all(graph)
    engine = graph.sqlite("Geography").engine
    assert set(inspect(engine).get_table_names()) == {"country", "city"}

    Geography.drop_all(graph)
    assert inspect(engine).get_table_names() == []

    Geography.create_all(graph)
    with Geography.new_context(graph) as context:
        context.session.add(Country(code="FR", name="France", continent="EUROPE"))
        context.commit()
    City.recreate_all(graph)  # callable on any model of the dataset
    with Geography.new_context(graph) as context:
        assert context.session.query(Country).count() == 0
    Geography.dispose(graph)
    assert path.exists()


def test_new_session_and_new_context(writable_graph):
    session = Geography.new_session(writable_graph, expire_on_commit=False)
    try:
        assert session.query(City).count() == 6
        assert session.expire_on_commit is False
    finally:
        session.close()

    context = City.new_context(writable_graph, defer_foreign_keys=True)
    assert isinstance(context, SessionContext)
    assert context.data_set is Geography
    assert context.defer_foreign_keys is True


def test_dispose_forgets_the_engine_and_closes_sessions(writable_graph):
    session = Geography.new_session(writable_graph)
    session.query(City).count()
    engine = writable_graph.sqlite("Geography").engine
    Geography.dispose(writable_graph)
    assert "Geography" not in writable_graph.sqlite.datasets
    assert writable_graph.sqlite("Geography").engine is not engine
    # The closed session starts afresh on its next use instead of holding the old connection.
    assert not session.in_transaction()


def test_each_dataset_lives_in_its_own_file(tmp_path):
    Left = DataSet.create("Left")
    Right = DataSet.create("Right")

    class Parent(Left):
        __tablename__ = "parent"
        id = Column(Integer, primary_key=True)

    class Child(Right):
        __tablename__ = "child"
        id = Column(Integer, primary_key=True)
        name = Column(String)

    graph = make_graph(paths={"Left": str(tmp_path / "left.db"), "Right": str(tmp_path / "right.db")})
    Left.create_all(graph)
    Right.create_all(graph)
    assert inspect(graph.sqlite("Left").engine).get_table_names() == ["parent"]
    assert inspect(graph.sqlite("Right").engine).get_table_names() == ["child"]
