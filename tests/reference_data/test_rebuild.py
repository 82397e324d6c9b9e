"""The build scripts' front: rebuild, verify and summarise example artifacts."""

import dataclasses
import io

from rich.console import Console

from reference_data.rebuild import rebuild
from reference_data.staging import COUNTRIES


def test_rebuild_builds_verifies_and_summarises(tmp_path):
    target = tmp_path / "countries.db"
    output = io.StringIO()

    status = rebuild([dataclasses.replace(COUNTRIES, artifact=target)], Console(file=output, width=200))

    assert status == 0
    assert target.read_bytes() == COUNTRIES.artifact.read_bytes()
    assert "✓ Countries: countries.db built in" in output.getvalue()
    assert "verified up to date" in output.getvalue()
    assert "│ Countries │ subdivision │ 5,046 │" in output.getvalue()


def test_rebuild_reports_a_failed_build_and_keeps_going_no_further(tmp_path):
    broken = dataclasses.replace(
        COUNTRIES,
        artifact=tmp_path / "countries.db",
        upstream=(*COUNTRIES.upstream, (COUNTRIES.upstream[0][0], "missing.json")),
    )
    output = io.StringIO()

    status = rebuild(
        [broken, dataclasses.replace(COUNTRIES, artifact=tmp_path / "never.db")], Console(file=output, width=200)
    )

    assert status == 1
    assert "Countries: build failed" in output.getvalue()
    assert "missing.json" in output.getvalue()
    assert not (tmp_path / "countries.db").exists()
    assert not (tmp_path / "never.db").exists()
