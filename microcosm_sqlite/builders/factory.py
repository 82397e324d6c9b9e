"""
The `sqlite_builder` component of a microcosm object graph: a thin front over `load_sources`.

    graph.sqlite_builder.csv(Country).build(countries_file)
    graph.sqlite_builder.csv(City).default(population=0).build(cities_file)
    graph.sqlite_builder.csv(Geography).bulk().build([(City, cities), (Country, countries)])

A build is one transaction: it inserts every row of its sources or, on bad input, none of them.

"""

from collections.abc import Mapping, Sequence
from typing import Any

from microcosm_sqlite.builders.loading import load_sources
from microcosm_sqlite.builders.rows import column_for
from microcosm_sqlite.builders.sources import SourceInput
from microcosm_sqlite.errors import BuildError

__all__ = ["Builder", "SQLiteBuilderFactory"]


class Builder:
    """
    Loads sources of one format into a dataset; created by `graph.sqlite_builder.<format>(...)`.

    `commit_on_insert` is accepted for compatibility with microcosm-sqlite 2.0 and changes nothing:
    every build commits exactly once, after its last row, so it can never be left half done.
    `ignore_columns` skips source columns the model lacks, which are an error otherwise (2.0 skipped
    them silently, so a misspelt key column went unnoticed).

    """

    def __init__(
        self,
        graph: Any,
        model_cls: Any,
        format: str,
        bulk_mode: bool = False,
        commit_on_insert: bool = False,
        delete_before_load: bool = False,
        ignore_columns: bool = False,
    ) -> None:
        self.graph = graph
        self.model_cls = model_cls
        self.format = format
        self.bulk_mode = bulk_mode
        self.commit_on_insert = commit_on_insert
        self.delete_before_load = delete_before_load
        self.ignore_columns = ignore_columns
        self.defaults: dict[str, Any] = {}

    @property
    def data_set(self) -> str:
        return str(self.model_cls.resolve().__name__)

    def default(self, **values: Any) -> "Builder":
        """Values for columns the sources lack or leave empty (a callable is called per row)."""
        self.defaults.update(values)
        return self

    def bulk(self) -> "Builder":
        """Load several models at once: `.build([(Model, source), ...])`, foreign keys checked at the end."""
        self.bulk_mode = True
        return self

    def build(self, sources: SourceInput | Sequence[tuple[type, SourceInput]]) -> dict[str, int]:
        """Load the source(s) in one transaction; returns rows inserted per table."""
        pairs = self._pairs(sources)
        self.graph.sqlite.refuse_if_read_only(self.data_set, "build")
        return load_sources(
            self.graph.sqlite(self.data_set).engine,
            pairs,
            data_set=self.data_set,
            defaults=self._defaults_for([model for model, _ in pairs]),
            format=self.format,
            delete_before_load=self.delete_before_load,
            ignore_columns=self.ignore_columns,
        )

    def _pairs(self, sources: Any) -> list[tuple[type, SourceInput]]:
        if not self.bulk_mode:
            if isinstance(sources, (list, tuple)):
                raise BuildError(
                    "a list of sources was given to a builder that is not in bulk mode",
                    data_set=self.data_set,
                    hint="call .bulk() first (or pass bulk_mode=True), then .build([(Model, source), ...])",
                )
            return [(self.model_cls, sources)]
        pairs = list(sources) if isinstance(sources, (list, tuple)) else None
        if pairs is None or not all(isinstance(pair, tuple) and len(pair) == 2 for pair in pairs):
            raise BuildError(
                "a bulk build takes a list of (model class, source) pairs",
                data_set=self.data_set,
                hint="call .build([(Country, countries_file), (City, cities_file)])",
            )
        return pairs

    def _defaults_for(self, models: list[type]) -> Mapping[type, Mapping[str, Any]]:
        if not self.bulk_mode:
            return {self.model_cls: self.defaults}
        # In bulk mode a default fills the column of that name in every model that has one.
        per_model = {
            model: {key: value for key, value in self.defaults.items() if _has_column(model, key)} for model in models
        }
        unused = sorted(set(self.defaults) - {key for values in per_model.values() for key in values})
        if unused:
            raise BuildError(
                f"default values were given for {', '.join(map(repr, unused))}, which no model of the build has",
                data_set=self.data_set,
                column=unused[0],
                hint="give defaults only for columns of the models being loaded",
            )
        return per_model


def _has_column(model: type, name: str) -> bool:
    table = getattr(model, "__table__", None)
    return table is not None and column_for(table, name) is not None


class SQLiteBuilderFactory:
    """`graph.sqlite_builder`: one method per source format, each returning a `Builder`."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def csv(
        self,
        model_cls: Any,
        bulk_mode: bool = False,
        commit_on_insert: bool = False,
        delete_before_load: bool = False,
        ignore_columns: bool = False,
    ) -> Builder:
        """A builder for CSV sources: a header row naming columns, then one row per record."""
        return Builder(self.graph, model_cls, "csv", bulk_mode, commit_on_insert, delete_before_load, ignore_columns)

    def json(
        self,
        model_cls: Any,
        bulk_mode: bool = False,
        commit_on_insert: bool = False,
        delete_before_load: bool = False,
        ignore_columns: bool = False,
    ) -> Builder:
        """A builder for JSON sources: one array of objects."""
        return Builder(self.graph, model_cls, "json", bulk_mode, commit_on_insert, delete_before_load, ignore_columns)

    def jsonl(
        self,
        model_cls: Any,
        bulk_mode: bool = False,
        commit_on_insert: bool = False,
        delete_before_load: bool = False,
        ignore_columns: bool = False,
    ) -> Builder:
        """A builder for JSON Lines sources: one object per line."""
        return Builder(self.graph, model_cls, "jsonl", bulk_mode, commit_on_insert, delete_before_load, ignore_columns)
