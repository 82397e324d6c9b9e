"""
The demo: build a small dataset file, then stream a search from it read-only, as a service would.

Run with `make demo`.
"""
import tempfile
from pathlib import Path

from microcosm.api import create_object_graph, load_from_dict
from sqlalchemy import Column, Float, Integer, String

from microcosm_sqlite import DataSet, Store, dispose_sqlite_connections

Planets = DataSet.create("Planets")


class Planet(Planets):
    __tablename__ = "planet"

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False, unique=True)
    kind = Column(String, nullable=False, index=True)
    radius_km = Column(Float, nullable=False)


class PlanetStore(Store):
    model_class = Planet
    auto_filter_fields = (Planet.kind,)

    def _order_by(self, query, **kwargs):
        return query.order_by(Planet.radius_km.desc())


PLANETS = [
    ("Mercury", "rocky", 2439.7),
    ("Venus", "rocky", 6051.8),
    ("Earth", "rocky", 6371.0),
    ("Mars", "rocky", 3389.5),
    ("Jupiter", "gas giant", 69911.0),
    ("Saturn", "gas giant", 58232.0),
    ("Uranus", "ice giant", 25362.0),
    ("Neptune", "ice giant", 24622.0),
]


def build(path: Path) -> None:
    graph = create_object_graph("demo", loader=load_from_dict(sqlite=dict(paths={"Planets": str(path)})))
    Planets.create_all(graph)
    with Planets.new_context(graph) as context:
        context.session.add_all(
            Planet(id=index, name=name, kind=kind, radius_km=radius)
            for index, (name, kind, radius) in enumerate(PLANETS, start=1)
        )
        context.commit()
    dispose_sqlite_connections(graph)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "planets.db"
        build(path)
        print(f"built {path.name}: {path.stat().st_size} bytes")

        graph = create_object_graph(
            "demo", loader=load_from_dict(sqlite=dict(paths={"Planets": str(path)}, read_only=True))
        )
        with Planets.new_context(graph):
            print("rocky planets, largest first (streamed):")
            for planet in PlanetStore().search(kind="rocky"):
                print(f"  {planet.name:<8} {planet.radius_km:>9,.1f} km")
            print(f"giants: {PlanetStore().count(kind='gas giant') + PlanetStore().count(kind='ice giant')}")
        dispose_sqlite_connections(graph)


if __name__ == "__main__":
    main()
