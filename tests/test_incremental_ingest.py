"""A new file starts a run of only its own ingest asset and what depends on it (the landing sensor)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli import main
from orchestration.definitions import defs
from orchestration.lib.registry import Registry


@pytest.fixture
def loaded(short_landing: Path, data_dir: Path) -> Path:
    shutil.copytree(short_landing, data_dir / "landing")
    assert main(["run"]) == 0
    return data_dir


def _evaluate() -> dg.SensorResult | dg.SkipReason:
    sensor = defs.get_sensor_def("landing_sensor")
    with dg.build_sensor_context(definitions=defs) as context:  # a new sensor: no cursor of its own
        return sensor(context)


def test_after_a_cli_run_the_sensor_requests_nothing(loaded: Path) -> None:
    """The sensor asks the registry what was received, so a run of `cdw run` is not repeated by the UI."""
    skipped = _evaluate()
    assert isinstance(skipped, dg.SkipReason), skipped
    assert "received" in str(skipped.skip_message)


def test_one_new_month_for_one_trust_processes_only_that_submission(loaded: Path) -> None:
    assert isinstance(_evaluate(), dg.SkipReason)

    december = next(p for p in (loaded / "landing").rglob("BHSCT_referrals_2024-12.csv"))
    january = loaded / "landing" / "2025-02-07" / "BHSCT_referrals_2025-01.csv"
    january.parent.mkdir()
    shutil.copyfile(december, january)
    os.utime(january, (december.stat().st_mtime + 86_400 * 30,) * 2)

    result = _evaluate()
    assert isinstance(result, dg.SensorResult)
    (request,) = result.run_requests
    selected = set(request.asset_selection)
    ingest_selected = {k for k in selected if k.path[0] == "ingest"}
    assert ingest_selected == {dg.AssetKey(["ingest", "bhsct", "bhsct_referrals"])}
    assert dg.AssetKey(["published", "analytics"]) in selected
    assert dg.AssetKey(["batches", "children"]) not in selected

    before = {s.submission_id for s in Registry(loaded / "restricted" / "registry.sqlite").all()}
    run = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=list(request.asset_selection), instance=dg.DagsterInstance.ephemeral())
    assert run.success
    steps = {e.step_key for e in run.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert {s for s in steps if s.startswith("ingest")} == {"ingest__bhsct__bhsct_referrals",
                                                             "ingest__bhsct__bhsct_referrals_quality_gate"}
    new = [s for s in Registry(loaded / "restricted" / "registry.sqlite").all() if s.submission_id not in before]
    assert [(s.file_name, s.status) for s in new] == [("BHSCT_referrals_2025-01.csv", "accepted")]
    with duckdb.connect(str(loaded / "published" / "analytics.duckdb"), read_only=True) as con:
        periods = con.execute("select count(*) from publication_batches where period = '2025-01'").fetchone()[0]
    assert periods == 1


def test_a_later_process_gates_new_files_against_the_stored_expectations(loaded: Path) -> None:
    """Each deployment run (each step, under the multiprocess executor) is a new process that finds the GX
    context, suites and checkpoints of earlier runs on disk; its gate must work from them."""
    december = next(p for p in (loaded / "landing").rglob("SEHSCT_referrals_2024-12.csv"))
    january = loaded / "landing" / "2025-02-07" / "SEHSCT_referrals_2025-01.csv"
    january.parent.mkdir()
    shutil.copyfile(december, january)
    result = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1], timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    statuses = {s.file_name: s.status for s in Registry(loaded / "restricted" / "registry.sqlite").all()}
    assert statuses["SEHSCT_referrals_2025-01.csv"] == "accepted"
