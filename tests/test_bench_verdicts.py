"""The benchmark's verdicts on issue 18's targets: each figure against its target, and a run that did not
complete never counted as meeting one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.pipeline import timed, verdicts


def test_scale_10_targets_are_judged_on_their_figures() -> None:
    lines = verdicts(10, 45.7, 10.06, 0.69)
    assert lines == ["within 10x of the floor: NOT met (45.7x)", "peak memory under 4 GB: NOT met (10.06 GB)"]
    assert verdicts(10, 9.5, 3.9, 0.5) == ["within 10x of the floor: met (9.5x)",
                                           "peak memory under 4 GB: met (3.90 GB)"]


def test_scale_1_judges_the_month_after() -> None:
    assert verdicts(1, 37.1, 2.6, 0.65) == ["one more month at most 0.2 of a full run: NOT met (0.65)"]
    assert verdicts(1, 37.1, 2.6, 0.2) == ["one more month at most 0.2 of a full run: met (0.20)"]


def test_a_run_that_did_not_complete_meets_no_target() -> None:
    (line,) = verdicts(30, None, 5.0, None)
    assert "NOT met" in line and "did not complete" in line and "5.00 GB" in line
    assert all("NOT met" in line for line in verdicts(10, None, 1.0, None))
    (line,) = verdicts(30, 12.0, 7.5, 0.7)
    assert line.endswith(": met (completed; 7.50 GB)")


def test_peak_memory_is_the_whole_process_tree(tmp_path: Path) -> None:
    """A parent holding memory while its child works (as `cdw run` does while dbt builds) is measured as the sum,
    not as the larger of the two."""
    hold = "import sys, time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); "
    child = hold + "time.sleep(3)"
    parent = hold + f"import subprocess; subprocess.run([sys.executable, '-c', {child!r}], check=True)"
    measured = timed([sys.executable, "-c", parent], dict(os.environ), tmp_path / "run.log")
    assert measured.returncode == 0
    assert 0.55 < measured.peak_gb < 1.0, measured.peak_gb
    assert 0.25 < measured.peak_own_gb < 0.5 and 0.25 < measured.peak_gb - measured.peak_own_gb < 0.5, measured
    assert 0 < measured.peak_at < measured.seconds
    failed = timed([sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ), tmp_path / "failed.log")
    assert failed.returncode == 3
