"""Two `cdw run`s started together on one data root: one writes while the other waits, a third that will not wait
stops with a clear message, and the data root is intact afterwards (no submission superseded by itself, every batch
where the registry says, every later run working)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.lib.lifecycle import EMPTY_BATCH, FINAL, batch_location
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths

REPOSITORY = Path(__file__).resolve().parents[1]
EXIT_BUSY = 75


def _start(root: Path, *arguments: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("CDW_PSEUDONYMISATION_KEY", "DAGSTER_HOME")}
    env |= {"CDW_DATA_DIR": str(root), "CDW_ALLOW_DEMO_KEY": "1", "CDW_LANDING_SETTLE_SECONDS": "0",
            "DBT_LOG_PATH": str(root / "logs")}
    return subprocess.Popen([sys.executable, "-m", "orchestration.cli", "run", *arguments], cwd=REPOSITORY, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_runs_started_together_leave_the_data_root_intact(short_landing: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(short_landing, root / "landing")
    first, second = _start(root, "--wait"), _start(root, "--wait")
    time.sleep(5)
    impatient = _start(root)
    impatient_out, impatient_err = impatient.communicate(timeout=600)
    outputs = [process.communicate(timeout=1200) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], [o[0][-2000:] + o[1][-2000:] for o in outputs]
    assert impatient.returncode == EXIT_BUSY, impatient_out + impatient_err
    assert "only one run may write it at a time" in impatient_err
    assert sum("waiting for the data root lock" in out for out, _ in outputs) == 1

    paths = DataPaths(root)
    registry = Registry(paths.registry)
    submissions = registry.all()
    assert len(submissions) == len({(s.file_name, s.checksum) for s in submissions})  # each file received once
    assert all(s.status in FINAL for s in submissions)
    assert not [s for s in submissions if s.superseded_by == s.submission_id]
    for s in submissions:
        if s.batch_path is not None:
            assert Path(s.batch_path) == batch_location(paths, s) and Path(s.batch_path).exists(), s
    current = {p.name for p in paths.current.rglob("*.parquet") if p.name != EMPTY_BATCH}  # a feed's empty table
    assert current == {Path(str(s.batch_path)).name for s in registry.all("accepted")}
    with duckdb.connect(str(paths.published), read_only=True) as con:
        batches = con.execute("select count(*) from publication_batches").fetchone()[0]
    assert batches == len(registry.all("accepted"))
