"""
Building the example artifacts from `datasets/sources/` with the library's artifact API.

The artifact records the upstream files (airports.csv, iso3166-1.json...) as its sources, so
`check_artifact` against them tells CI whether a source or a model changed since the build. The
rows themselves are loaded from JSON Lines staged in a temporary folder (see `staging`).

"""

import tempfile
from collections.abc import Callable
from pathlib import Path

from microcosm_sqlite.artifacts import ArtifactBuild, ArtifactInfo, ArtifactReport, check_artifact
from microcosm_sqlite.builders import load_sources
from reference_data.paths import SOURCES_DIR
from reference_data.staging import ExampleDataSet, Sources

Progress = Callable[[str], None]


def build(
    data_set: ExampleDataSet,
    target: Path | None = None,
    sources_dir: Path = SOURCES_DIR,
    progress: Progress | None = None,
) -> ArtifactInfo:
    """Build one example artifact (by default onto its committed path) from the upstream files."""
    report = progress or (lambda step: None)
    with ArtifactBuild(
        target or data_set.artifact, data_set.base, sources=data_set.upstream_sources(sources_dir)
    ) as artifact:
        with tempfile.TemporaryDirectory(prefix=f"{data_set.name}-staging-") as staging_dir:
            report("staging the sources")
            staged = data_set.stage(sources_dir, Path(staging_dir))
            load_staged(artifact, staged, report)
        report("checking, hashing and compacting")
    assert artifact.info is not None
    return artifact.info


def check(data_set: ExampleDataSet, path: Path | None = None, sources_dir: Path = SOURCES_DIR) -> ArtifactReport:
    """Whether an example artifact is up to date with its upstream files and its models."""
    return check_artifact(path or data_set.artifact, data_set.base, data_set.upstream_sources(sources_dir))


def load_staged(artifact: ArtifactBuild, staged: Sources, report: Progress) -> None:
    """Load the staged JSON Lines through the builders, in one transaction."""
    report(f"loading {', '.join(model.__tablename__ for model, _ in staged)}")
    load_sources(
        artifact.engine,
        staged,
        data_set=artifact.data_set,
        progress=lambda table, loaded: report(f"loading {table}: {loaded:,} rows"),
    )
