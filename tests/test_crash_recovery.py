"""`cdw run` killed (SIGKILL, the whole process group) at points in every stage; the next run leaves every
submission in a final state and publishes what an uninterrupted run publishes.

Each killed run is a child process that wraps one function of the pipeline so that the process kills itself at
the Nth call, at a known point: after a file is registered but before it is archived, after a batch is written
but before the registry says so, in the middle of conforming, between a gate decision and its file moves, inside
a Great Expectations run, while dbt builds, and while the publication is copied. The wrapping touches only that
child. Trials run two at a time (each on its own data root) to keep the test's time down.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.lifecycle import FINAL
from orchestration.lib.parity import compare_databases
from orchestration.lib.registry import Registry

REPOSITORY = Path(__file__).resolve().parents[1]
KILLED_RUN = """
import importlib, os, signal, sys
module_name, attribute, when, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
owner_path, _, name = attribute.rpartition(".")
owner = importlib.import_module(module_name)
for part in filter(None, owner_path.split(".")):
    owner = getattr(owner, part)
original = getattr(owner, name)
calls = 0

def die():
    os.write(2, f"KILLED at {attribute}, call {calls}\\n".encode())  # fd 2: cdw sends sys.stderr to its log
    os.killpg(os.getpgid(0), signal.SIGKILL)

def wrapped(*args, **kwargs):
    global calls
    calls += 1
    if calls == nth and when == "before":
        die()
    result = original(*args, **kwargs)
    if calls == nth and when == "after":
        die()
    return result

setattr(owner, name, wrapped)
from orchestration.cli import main
sys.exit(main(["run"]))
"""
# (stage, module, attribute, kill before or after the call, at which call)
POINTS = [
    ("ingest: registered, not yet archived", "orchestration.lib.lifecycle", "Lifecycle.archive", "before", 40),
    # the 30th write: a batch, or the dates of birth written just before one (restricted/identities)
    ("ingest: batch written, registry not told", "orchestration.lib.lifecycle", "write_parquet", "after", 30),
    ("ingest: in the middle of conforming", "orchestration.lib.conform", "Conformer.conform_many", "before", 25),
    ("gate: decided, files not yet moved", "orchestration.lib.lifecycle", "Lifecycle.place", "before", 60),
    ("gate: inside Great Expectations", "orchestration.lib.quality", "run_suite", "before", 15),
    ("ages: before the events are aged", "orchestration.lib.ages", "compute_event_ages", "before", 1),
    # the keys given kept (restricted), the warehouse's person keys not yet written
    ("linkage: keys kept, not yet written for the warehouse", "orchestration.lib.linkage", "write_parquet",
     "after", 1),
    ("dbt: while building", "dagster_dbt.core.dbt_cli_event", "DbtCliEventMessage.to_default_asset_events",
     "before", 80),
    ("publish: while copying tables", "orchestration.lib.publish", "literal", "before", 40),
]


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CDW_PSEUDONYMISATION_KEY", "DAGSTER_HOME")}
    return {**env, "CDW_DATA_DIR": str(root), "CDW_ALLOW_DEMO_KEY": "1", "CDW_LANDING_SETTLE_SECONDS": "0",
            "DBT_LOG_PATH": str(root / "logs")}


def _run(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *arguments], cwd=REPOSITORY, env=_env(root), capture_output=True,
                          text=True, timeout=1200, check=False, start_new_session=True)


def _trial(landing: Path, root: Path, point: tuple | None) -> dict:
    shutil.copytree(landing, root / "landing")
    outcome: dict = {"root": root}
    if point is not None:
        _, module, attribute, when, nth = point
        script = root.parent / f"{root.name}-killed-run.py"  # a file: pyspark, imported by GX, exits under `-c`
        script.write_text(KILLED_RUN, encoding="utf-8")
        killed = _run(root, str(script), module, attribute, when, str(nth))
        outcome["killed"] = killed
    outcome["next"] = _run(root, "-m", "orchestration.cli", "run")
    return outcome


@pytest.fixture(scope="module")
def trials(short_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("crash")
    jobs = [("uninterrupted", None), *((p[0], p) for p in POINTS)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_trial, short_landing, work / f"trial{i}", point)
                   for i, (name, point) in enumerate(jobs)}
        return {name: future.result() for name, future in futures.items()}


def _statuses(root: Path) -> list[tuple[str, str, str | None, str]]:
    return [(s.file_name, str(s.landing_path).replace(str(root), ""), s.period, s.status)
            for s in Registry(root / "restricted" / "registry.sqlite").all()]


def test_the_uninterrupted_run_succeeds(trials: dict) -> None:
    assert trials["uninterrupted"]["next"].returncode == 0, trials["uninterrupted"]["next"].stderr[-2000:]


@pytest.mark.parametrize("point", [p[0] for p in POINTS])
def test_after_a_kill_the_next_run_finishes_everything_and_publishes_the_same(trials: dict, point: str) -> None:
    trial, baseline = trials[point], trials["uninterrupted"]
    killed, following = trial["killed"], trial["next"]
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    assert "KILLED at" in killed.stderr  # it died where it was meant to, not of something else
    assert following.returncode == 0, following.stdout[-3000:] + following.stderr[-3000:]
    root = trial["root"]
    registry = Registry(root / "restricted" / "registry.sqlite")
    assert all(s.status in FINAL for s in registry.all()), [(s.file_name, s.status) for s in registry.unfinished()]
    assert _statuses(root) == _statuses(baseline["root"])
    current = sorted(p.name for p in (root / "batches" / "current").rglob("*.parquet"))
    assert current == sorted(p.name for p in (baseline["root"] / "batches" / "current").rglob("*.parquet"))
    assert not list(root.rglob("*.building")) and not list((root / "batches").rglob(".*.tmp"))
    assert not [p for p in (root / "archive" / ".incoming").iterdir()]
    published = root / "published" / "analytics.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()
                  if t != "publication_runs"]
    differences = [d for d in compare_databases(published, baseline["root"] / "published" / "analytics.duckdb",
                                                tables) if not d.agrees]
    assert not differences, "\n".join(d.describe("recovered", "uninterrupted") for d in differences)
