"""
Property: generated rows survive build -> dump -> build, in CSV and in JSON Lines.

"""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcosm_sqlite import dispose_sqlite_connections
from microcosm_sqlite.artifacts import ArtifactBuild, build_artifact
from tests.artifacts.test_round_trip import dump_tables
from tests.support.catalogue import ProductStore, TagStore
from tests.support.fixtures import Catalogue, Colour, Product
from tests.support.graphs import make_graph

# Any Unicode text SQLite and UTF-8 files can hold: no lone surrogates, no NUL.
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
# An empty CSV cell means NULL (or "no value" in a required column), so CSV cannot carry "".
non_empty_text = text.filter(bool)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)


def is_bare_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


finite_floats = st.floats(allow_nan=False, allow_infinity=False)
products = st.lists(
    st.fixed_dictionaries(
        dict(
            sku=non_empty_text,
            name=non_empty_text,
            quantity=st.integers(-(2**63), 2**63 - 1),
            price=st.none() | finite_floats,
            exact_price=st.none() | finite_floats,
            available=st.none() | st.booleans(),
            featured=st.booleans(),
            released=st.none() | st.dates(),
            updated=st.none() | st.datetimes(),
            opens=st.none() | st.times(),
            colour=st.none() | st.sampled_from(Colour),
            # Top-level JSON null and SQL NULL are one value once dumped (SQL NULL is kept), and the
            # JSON builders read "" in a non-text column as empty, so neither can make a round trip.
            # A bare top-level number is left out too: a column declared JSON has NUMERIC affinity,
            # so SQLite stores it as REAL keeping 15 significant digits, and that conversion is not
            # idempotent (1.926344000075341e-300 changed again on the second build). Numbers inside
            # lists and objects are stored as JSON text and are generated.
            attributes=json_values.filter(
                lambda value: value is not None and value != "" and not is_bare_number(value)
            ),
            token=st.none() | st.uuids(),
            note=non_empty_text,
        )
    ),
    max_size=8,
    unique_by=lambda product: product["sku"],
)


def read_products(path: Path) -> list[dict]:
    graph = make_graph(paths={"Catalogue": str(path)}, read_only=True)
    try:
        with Catalogue.new_context(graph):
            columns = [column.name for column in Product.__table__.columns]
            return [{name: getattr(product, name) for name in columns} for product in ProductStore().search()]
    finally:
        dispose_sqlite_connections(graph)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=products)
def test_generated_rows_survive_build_dump_build(rows):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        target = folder / "catalogue.db"
        with ArtifactBuild(target, Catalogue) as build:
            if rows:
                with build.engine.begin() as connection:
                    connection.execute(Product.__table__.insert(), rows)
        built = read_products(target)
        # What the first build holds is what must survive.
        assert [row["sku"] for row in built] == sorted(row["sku"] for row in rows)

        for format in ("csv", "jsonl"):
            (folder / format).mkdir()
            dumps = dump_tables(target, Catalogue, [ProductStore(), TagStore()], folder / format, format)
            rebuilt = build_artifact(folder / f"{format}.db", Catalogue, dumps)

            assert rebuilt.content_hash == build.info.content_hash, format
            assert read_products(folder / f"{format}.db") == built
