"""One writer per data root: a second writer stops with a clear message (or waits), a dead holder blocks nobody."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.lib.lock import LOCK_NAME, DataRootBusy, data_root_lock

HOLD = """
import sys, time
from pathlib import Path
from orchestration.lib.lock import data_root_lock
with data_root_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""
REPOSITORY = Path(__file__).resolve().parents[1]


def _holder(root: Path, seconds: float) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(root), str(seconds)], cwd=REPOSITORY,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_second_writer_stops_and_names_the_holder(tmp_path: Path) -> None:
    child = _holder(tmp_path, 30)
    try:
        with pytest.raises(DataRootBusy, match=f"process {child.pid} .*only one run may write it at a time"), \
                data_root_lock(tmp_path):
            pass
    finally:
        child.kill()
        child.wait()


def test_a_waiting_writer_goes_on_when_the_holder_finishes(tmp_path: Path) -> None:
    child = _holder(tmp_path, 1.5)
    said: list[str] = []
    started = time.monotonic()
    with data_root_lock(tmp_path, wait=60, on_wait=said.append):
        waited = time.monotonic() - started
    child.wait()
    assert said and "waiting for the data root lock" in said[0]
    assert waited > 0.5


def test_a_lock_left_by_a_killed_process_is_cleared(tmp_path: Path) -> None:
    child = _holder(tmp_path, 60)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert str(child.pid) in (tmp_path / LOCK_NAME).read_text(encoding="utf-8")  # its record is still there
    said: list[str] = []
    with data_root_lock(tmp_path, on_stale=said.append):
        pass
    assert said == [f"cleared a stale data root lock left by process {child.pid}, which is no longer running"]
    assert (tmp_path / LOCK_NAME).read_text(encoding="utf-8") == ""


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    with data_root_lock(tmp_path), data_root_lock(tmp_path):
        child = subprocess.run([sys.executable, "-c", HOLD, str(tmp_path), "0"], cwd=REPOSITORY, timeout=60,
                               capture_output=True, text=True, check=False)
        assert child.returncode != 0 and "DataRootBusy" in child.stderr  # still held by the outer block


def test_a_writer_that_fails_leaves_its_record_for_the_next_to_recover_after(tmp_path: Path) -> None:
    with data_root_lock(tmp_path) as hold:
        assert not hold.previous_unclean
    with pytest.raises(RuntimeError), data_root_lock(tmp_path), data_root_lock(tmp_path):
        raise RuntimeError("a step failed half way")  # inside a re-entered hold: the whole hold is unclean
    with data_root_lock(tmp_path) as hold:
        assert hold.previous_unclean
    with data_root_lock(tmp_path) as hold:
        assert not hold.previous_unclean
