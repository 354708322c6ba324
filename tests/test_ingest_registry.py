"""Archive, registry, rejection, duplicates and resubmissions, on hand-made files."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import ingest_file
from orchestration.lib.landing import discover
from orchestration.lib.lifecycle import Lifecycle
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths

HEADER = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
          "allocated_date,team_code,closed_date,record_status\n")


def _land(landing: Path, folder: str, name: str, body: str, when: float) -> Path:
    path = landing / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    os.utime(path, (when, when))
    return path


@pytest.fixture
def setup(data_dir: Path) -> tuple[DataPaths, Registry, Conformer]:
    paths = DataPaths.from_env().ensure()
    conformer = Conformer(b"test")
    yield paths, Registry(paths.registry), conformer
    conformer.close()


def _ingest_all(paths: DataPaths, registry: Registry, conformer: Conformer) -> list:
    results = [ingest_file(paths, registry, f, conformer) for f in discover(paths.landing)]
    for s in results:
        if s is not None and s.status == "pending":
            Lifecycle(paths, registry).accept(s)
    return [registry.get(s.submission_id) if s is not None else None for s in results]


def test_same_file_twice_counts_once_and_resubmission_supersedes(setup: tuple) -> None:
    paths, registry, conformer = setup
    now = time.time()
    first = HEADER + "R1,C1,2024-06-03,POLICE,,,,,T1,,active\n"
    _land(paths.landing, "a", "BHSCT_referrals_2024-06.csv", first, now - 300)
    _land(paths.landing, "b", "BHSCT_referrals_2024-06.csv", first, now - 200)  # the same bytes again
    results = _ingest_all(paths, registry, conformer)
    assert [r is None for r in results] == [False, True]
    assert [s.status for s in registry.all()] == ["accepted"]

    second = first + "R2,C2,2024-06-04,SCHOOL,,,,,T1,,active\n"
    _land(paths.landing, "c", "BHSCT_referrals_2024-06.csv", second, now - 100)
    _ingest_all(paths, registry, conformer)
    statuses = [(s.submission_id, s.status, s.superseded_by) for s in registry.all()]
    assert statuses == [(1, "superseded", 2), (2, "accepted", None)]
    current = list((paths.current / "referrals").glob("*.parquet"))
    assert len(current) == 1 and pq.read_table(current[0]).num_rows == 2
    assert len(list((paths.superseded / "referrals").glob("*.parquet"))) == 1
    archived = sorted(p.name for p in paths.archive.rglob("*") if p.is_file())
    assert archived == ["000001_BHSCT_referrals_2024-06.csv", "000002_BHSCT_referrals_2024-06.csv"]


@pytest.mark.parametrize(("name", "body", "reason"), [
    ("notes.txt", "hello", "does not match"),
    ("XXHSCT_referrals_2024-06.csv", HEADER, "not a known provider"),
    ("BHSCT_widgets_2024-06.csv", HEADER, "unknown feed"),
    ("BHSCT_referrals_2024-Q2.csv", HEADER, "submitted per month"),
    ("BHSCT_referrals_2024-07.csv", "", "empty"),
])
def test_rejected_files_are_kept_with_a_reason(setup: tuple, name: str, body: str, reason: str) -> None:
    paths, registry, conformer = setup
    _land(paths.landing, "x", name, body, time.time())
    (submission,) = _ingest_all(paths, registry, conformer)
    assert submission.status == "rejected"
    assert reason in submission.reasons[0] and name in submission.reasons[0]
    assert Path(submission.archive_path).read_text(encoding="utf-8") == body
    report = Path(submission.error_report).read_text(encoding="utf-8")
    assert name in report


def test_quarantined_file_has_a_row_level_error_report(setup: tuple) -> None:
    paths, registry, conformer = setup
    _land(paths.landing, "x", "BHSCT_referrals_2024-06.csv",
          HEADER + "R1,C1,2024-06-03,POLICE,,,,,T1,,active\nR2,C2,2024-13-01,POLICE,,,,,T1,,active\n", time.time())
    (submission,) = _ingest_all(paths, registry, conformer)
    assert submission.status == "quarantined"
    assert "row 3 column referral_date" in " ".join(submission.reasons)
    assert "2024-13-01" in Path(submission.error_report).read_text(encoding="utf-8")
    assert not list(paths.current.rglob("*.parquet"))


def test_archive_is_read_only_and_landing_untouched(setup: tuple) -> None:
    paths, registry, conformer = setup
    landed = _land(paths.landing, "x", "BHSCT_referrals_2024-06.csv", HEADER, time.time())
    (submission,) = _ingest_all(paths, registry, conformer)
    assert landed.exists()
    assert not os.access(submission.archive_path, os.W_OK) or os.geteuid() == 0
    assert oct(Path(submission.archive_path).stat().st_mode)[-3:] == "400"  # the owner's, read only
    shutil.rmtree(paths.landing)
    assert Path(submission.archive_path).exists()
