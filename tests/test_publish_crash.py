"""Killing the process in the middle of publishing leaves the previous published database readable and intact."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

# Publishes in a child process, slowed down (a pause before each table or column comment) so that the test can
# kill it while the new database is half written. The slowing touches only this child, not the code under test.
SLOW_PUBLISH = """
import sys, time
from pathlib import Path
import orchestration.lib.publish as publish
original = publish.literal
def slow(text):
    time.sleep(0.05)
    return original(text)
publish.literal = slow
from orchestration.defs.dbt import model_descriptions
from orchestration.lib.settings import DataPaths
publish.publish(DataPaths(Path(sys.argv[1])), "killed-run", [], model_descriptions())
"""


def snapshot(path: Path) -> dict[str, object]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        return {
            "run": con.execute("select run_id from publication_runs").fetchone()[0],
            "counts": {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables},
            "indicators": con.execute("select sum(value) from mart_indicators where unit = 'count'").fetchone()[0],
        }


def test_a_publish_killed_midway_leaves_the_previous_database(pipeline: dict, tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(pipeline["root"] / "warehouse", root / "warehouse")
    shutil.copytree(pipeline["root"] / "published", root / "published")
    published = root / "published" / "analytics.duckdb"
    published.chmod(0o644)
    before = snapshot(published)
    child = subprocess.Popen([sys.executable, "-c", SLOW_PUBLISH, str(root)], cwd=Path(__file__).resolve().parents[1],
                             env={**os.environ, "CDW_DATA_DIR": str(root)}, start_new_session=True)
    building = published.with_name(f".{published.name}.killed-run.building")
    deadline = time.monotonic() + 120
    while not (building.exists() and building.stat().st_size > 0):
        assert child.poll() is None, "the publishing process ended before it could be killed"
        assert time.monotonic() < deadline, "the publishing process never started writing"
        time.sleep(0.05)
    time.sleep(1.0)  # well into the copy of the tables
    assert child.poll() is None, "the publish finished before the kill: the test proves nothing"
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(published) == before
    assert before["run"] != "killed-run"
