"""The pseudonymisation key: a run with a key other than the data root's stops before ingest and says how to rotate;
rotation pseudonymises every batch again from the archive, as one deliberate command."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.cli import main
from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import KEY_ROTATION, checked_key, ingest_landing
from orchestration.lib.lifecycle import Lifecycle
from orchestration.lib.pseudonymise import KeyMismatchError, hmac_sql, key_fingerprint
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths

OLD, NEW = "old-secret-" + "o" * 32, "new-secret-" + "n" * 32
HEADER = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
          "allocated_date,team_code,closed_date,record_status\n")


@pytest.fixture
def keyed(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[DataPaths, Registry]:
    """A data root whose batches were made with OLD: one accepted, one superseded, one pending."""
    monkeypatch.delenv("CDW_ALLOW_DEMO_KEY")
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", OLD)
    paths = DataPaths.from_env().ensure()
    registry = Registry(paths.registry)
    for n, (folder, name) in enumerate([("a", "BHSCT_referrals_2024-06.csv"), ("b", "BHSCT_referrals_2024-06.csv"),
                                        ("c", "NHSCT_referrals_2024-06.csv")]):
        path = paths.landing / folder / name
        path.parent.mkdir(parents=True)
        path.write_text(HEADER + f"R{n},C{n},2024-06-03,POLICE,,,,,T1,,active\n", encoding="utf-8")
        os.utime(path, (time.time() - 100 + n,) * 2)
    with Conformer(checked_key(registry)) as conformer:
        ingest_landing(paths, registry, conformer, lambda _: True)
    Lifecycle(paths, registry).accept(registry.get(1))
    Lifecycle(paths, registry).accept(registry.get(2))
    return paths, registry


def _child_refs(registry: Registry) -> dict[int, str]:
    return {s.submission_id: pq.read_table(str(s.batch_path)).column("child_ref")[0].as_py() for s in registry.all()}


def _expected_ref(key: str, child: str) -> str:
    import duckdb

    with duckdb.connect() as con:
        return con.execute(f"select {hmac_sql(key.encode(), repr('local:BHSCT:' + child))}").fetchone()[0]


def test_a_run_with_another_key_stops_before_ingest(keyed: tuple, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture) -> None:
    paths, registry = keyed
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", NEW)
    with pytest.raises(KeyMismatchError, match="cdw rebuild-batches --rotate-key"):
        checked_key(registry)
    (paths.landing / "d").mkdir()
    (paths.landing / "d" / "SEHSCT_referrals_2024-06.csv").write_text(HEADER, encoding="utf-8")
    assert main(["run"]) == 2
    assert "stopped before ingest" in capsys.readouterr().err
    assert len(registry.all()) == 3  # nothing new was taken
    assert registry.setting("key_fingerprint") == key_fingerprint(OLD.encode())
    assert OLD not in paths.registry.read_bytes().decode("utf-8", "replace")  # a fingerprint, never the key


def test_rotation_pseudonymises_every_batch_again_from_the_archive(keyed: tuple,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    paths, registry = keyed
    before = _child_refs(registry)
    assert before[2] == _expected_ref(OLD, "C1")
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", NEW)
    assert main(["rebuild-batches"]) == 2  # not without saying so
    assert _child_refs(registry) == before
    assert main(["rebuild-batches", "--rotate-key"]) == 0
    after = _child_refs(registry)
    assert after[2] == _expected_ref(NEW, "C1") and after[1] == _expected_ref(NEW, "C0")
    assert [s.status for s in registry.all()] == ["superseded", "accepted", "pending"]
    assert checked_key(registry) == NEW.encode()
    assert not (paths.root / "batches" / ".rebuild").exists()
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", OLD)
    with pytest.raises(KeyMismatchError):
        checked_key(registry)


def test_an_interrupted_rotation_is_named_and_finished_by_running_it_again(keyed: tuple,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _, registry = keyed
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", NEW)
    registry.set_setting(KEY_ROTATION, key_fingerprint(NEW.encode()))  # as if killed while swapping batches
    with pytest.raises(KeyMismatchError, match="key rotation was interrupted"):
        checked_key(registry)
    assert main(["rebuild-batches", "--rotate-key"]) == 0
    assert checked_key(registry) == NEW.encode()


def test_a_run_that_leaves_a_submission_unfinished_fails_and_says_so(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture) -> None:
    import datetime as dt
    from types import SimpleNamespace

    paths = DataPaths.from_env().ensure()
    registry = Registry(paths.registry)
    registry.add("BHSCT_referrals_2024-06.csv", "landing/x", "abc", dt.datetime(2024, 7, 5))

    class Instance:
        def all_logs(self, run_id: str) -> list:
            return []

    result = SimpleNamespace(success=True, run_id="fake-run", all_events=[])
    monkeypatch.setattr("orchestration.cli._execute_job", lambda *args: (result, Instance()))
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "1 submission(s) are not in a final state" in err and "received: BHSCT_referrals_2024-06.csv" in err
