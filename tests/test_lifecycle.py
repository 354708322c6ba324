"""A batch's lifecycle: only the allowed transitions, and a crash between a transition and its file moves repaired
by ``recover`` (the registry says where each batch belongs; its file name carries its id)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import ingest_landing
from orchestration.lib.lifecycle import FINAL, TRANSITIONS, Lifecycle, TransitionError, batch_location
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths

HEADER = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
          "allocated_date,team_code,closed_date,record_status\n")
ROW = "R{n},C{n},2024-06-03,POLICE,,,,,T1,,active\n"


@pytest.fixture
def landed(data_dir: Path) -> tuple[DataPaths, Registry, Lifecycle]:
    paths = DataPaths.from_env().ensure()
    for version, folder in enumerate(("one", "two"), start=1):
        path = paths.landing / folder / "BHSCT_referrals_2024-06.csv"
        path.parent.mkdir(parents=True)
        path.write_text(HEADER + "".join(ROW.format(n=n) for n in range(version)), encoding="utf-8")
        os.utime(path, (time.time() - 1000 + version,) * 2)
    registry = Registry(paths.registry)
    with Conformer(b"k" * 32) as conformer:
        ingest_landing(paths, registry, conformer, lambda _: True)
    return paths, registry, Lifecycle(paths, registry)


def test_final_states_have_no_way_out_but_supersession_and_withdrawal() -> None:
    assert {state for state, nexts in TRANSITIONS.items() if not nexts} == FINAL - {"accepted", "superseded"}
    assert TRANSITIONS["accepted"] == {"superseded", "quarantined"}
    assert TRANSITIONS["superseded"] == {"accepted"}


def test_a_withdrawn_batch_gives_its_place_back_to_the_batch_it_superseded(landed: tuple) -> None:
    paths, registry, lifecycle = landed
    lifecycle.accept(registry.get(1))
    lifecycle.accept(registry.get(2))
    withdrawn = lifecycle.withdraw(registry.get(2), ["fails a warehouse test"])
    assert (withdrawn.status, withdrawn.reasons[-1]) == ("quarantined", "fails a warehouse test")
    restored = registry.get(1)
    assert (restored.status, restored.superseded_by) == ("accepted", None)
    assert [p.name for p in (paths.current / "referrals").iterdir()] == ["000001_BHSCT_referrals_2024-06.parquet"]
    assert Path(str(withdrawn.batch_path)).exists() and "/quarantine/" in str(withdrawn.batch_path)


def test_a_transition_not_allowed_is_refused(landed: tuple) -> None:
    paths, registry, lifecycle = landed
    first = registry.get(1)
    lifecycle.accept(first)
    with pytest.raises(TransitionError, match="accepted cannot become rejected"):
        lifecycle.reject(registry.get(1), ["no"], paths.reports / "x.csv")
    with pytest.raises(ValueError, match=r"only through orchestration\.lib\.lifecycle"):
        registry.update(1, status="pending")


def test_the_later_receipt_wins_whatever_order_the_gate_sees_them(landed: tuple) -> None:
    _, registry, lifecycle = landed
    lifecycle.accept(registry.get(2))
    lifecycle.accept(registry.get(1))  # the earlier receipt passes the gate after the later one
    assert [(s.status, s.superseded_by) for s in registry.all()] == [("superseded", 2), ("accepted", None)]


def test_a_crash_between_the_transition_and_the_file_moves_is_repaired(landed: tuple,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    paths, registry, lifecycle = landed
    lifecycle.accept(registry.get(1))
    with monkeypatch.context() as patch:
        patch.setattr(Lifecycle, "place", lambda self, submission: True)  # the process dies before any move
        lifecycle.accept(registry.get(2))
    first, second = registry.get(1), registry.get(2)
    assert (first.status, second.status) == ("superseded", "accepted")
    assert not Path(str(second.batch_path)).exists()  # still pending on disk
    recovered = lifecycle.recover()
    assert sorted(recovered.moved) == ["BHSCT_referrals_2024-06.csv"] * 2
    for submission in (first, second):
        assert batch_location(paths, submission) == Path(str(submission.batch_path))
        assert Path(str(submission.batch_path)).exists()
    assert [p.name for p in (paths.current / "referrals").iterdir()] == ["000002_BHSCT_referrals_2024-06.parquet"]
    assert not lifecycle.recover()  # nothing left to do


def test_a_pending_batch_that_is_gone_is_made_again_from_the_archive(landed: tuple) -> None:
    paths, registry, lifecycle = landed
    Path(str(registry.get(2).batch_path)).unlink()
    recovered = lifecycle.recover()
    assert recovered.reopened == ["BHSCT_referrals_2024-06.csv"]
    assert registry.get(2).status == "received"
    with Conformer(b"k" * 32) as conformer:
        ingest_landing(paths, registry, conformer, lambda _: True)
    assert registry.get(2).status == "pending" and Path(str(registry.get(2).batch_path)).exists()


def test_a_lost_accepted_batch_is_reported_not_hidden(landed: tuple) -> None:
    _, registry, lifecycle = landed
    accepted = lifecycle.accept(registry.get(2))
    Path(str(accepted.batch_path)).unlink()
    assert lifecycle.recover().lost == ["BHSCT_referrals_2024-06.csv (submission 2, accepted)"]


def test_debris_of_killed_processes_is_removed(landed: tuple) -> None:
    paths, _, lifecycle = landed
    debris = [paths.published.with_name(".analytics.duckdb.run1.building"),
              paths.published.with_name(".analytics.duckdb.run1.building.tmp") / "duckdb_temp_storage-0.tmp",
              paths.outbox / "niccy" / ".2024-Q3.building" / "indicators.csv",
              paths.outbox / "niccy" / "2024-Q3-report.building",
              paths.pending / "referrals" / ".000009_x.parquet.123.tmp",
              paths.archive / ".incoming" / "0123abcd.part"]
    for path in debris:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half", encoding="utf-8")
    kept = paths.outbox / "niccy" / "2024-Q2" / "indicators.csv"
    kept.parent.mkdir(parents=True)
    kept.write_text("whole", encoding="utf-8")
    assert lifecycle.recover().debris == 6
    assert not any(p.exists() for p in debris) and not debris[1].parent.exists()  # the spill folder goes whole
    assert kept.exists()


def _registered_not_archived(paths: DataPaths, registry: Registry) -> int:
    """A file registered as received whose archive copy never got there (the process died in between)."""
    from orchestration.lib.landing import copy_out, discover

    path = paths.landing / "late" / "SEHSCT_referrals_2024-06.csv"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + ROW.format(n=7), encoding="utf-8")
    found = next(f for f in discover(paths.landing) if f.name == path.name)
    copy, checksum = copy_out(paths.landing, found, paths.archive / ".incoming")
    submission = Lifecycle(paths, registry).receive(found, copy, checksum, None)
    Path(str(submission.archive_path)).chmod(0o600)
    Path(str(submission.archive_path)).unlink()
    return submission.submission_id


def test_a_registered_file_not_archived_is_archived_from_the_landing_area(landed: tuple) -> None:
    paths, registry, _ = landed
    submission_id = _registered_not_archived(paths, registry)
    with Conformer(b"k" * 32) as conformer:
        ingest_landing(paths, registry, conformer, lambda _: True)
    resumed = registry.get(submission_id)
    assert resumed.status == "pending" and Path(str(resumed.archive_path)).read_text(encoding="utf-8").count("R7") == 1


def test_a_registered_file_not_archived_and_gone_is_rejected_with_the_reason(landed: tuple) -> None:
    paths, registry, _ = landed
    submission_id = _registered_not_archived(paths, registry)
    (paths.landing / "late" / "SEHSCT_referrals_2024-06.csv").unlink()
    with Conformer(b"k" * 32) as conformer:
        ingest_landing(paths, registry, conformer, lambda _: True)
    rejected = registry.get(submission_id)
    assert rejected.status == "rejected" and "please send it again" in rejected.reasons[0]
