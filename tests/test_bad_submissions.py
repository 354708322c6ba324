"""The corpus of bad submissions: each gets its documented outcome, naming the file (and row and column)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import yaml

from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import ingest_landing
from orchestration.lib.quality import gate_pending
from orchestration.lib.registry import Registry, Submission
from orchestration.lib.settings import DataPaths
from sources.contract import contracts

CORPUS = Path(__file__).parent / "bad_submissions"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Submission]:
    root = tmp_path_factory.mktemp("corpus")
    paths = DataPaths(root).ensure()
    landed = shutil.copytree(CORPUS / "files", paths.landing, dirs_exist_ok=True)
    for i, path in enumerate(sorted(Path(landed).iterdir())):
        os.utime(path, (time.time() - 1000 + i, time.time() - 1000 + i))
    registry = Registry(paths.registry)
    with Conformer(b"corpus key") as conformer:
        ingest_landing(paths, registry, conformer, lambda _: True)
    for provider, feed in {(s.provider, s.feed) for s in registry.all("pending")}:
        gate_pending(paths, registry, contracts()[feed], [provider])
    return {s.file_name: s for s in registry.all()}


def test_corpus_has_at_least_twenty_bad_submissions() -> None:
    bad = [e for e in EXPECTED if e["status"] != "accepted"]
    assert len(bad) >= 20
    assert {e["file"] for e in EXPECTED} == {p.name for p in (CORPUS / "files").iterdir()}


@pytest.mark.parametrize("expected", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_documented_outcome(outcomes: dict[str, Submission], expected: dict) -> None:
    submission = outcomes[expected["file"]]
    assert submission.status == expected["status"], submission.reasons
    reasons = " ".join(submission.reasons)
    for fragment in expected.get("reason", []):
        assert fragment in reasons, (fragment, submission.reasons)
    for fragment in expected.get("report", []):
        assert fragment in Path(str(submission.error_report)).read_text(encoding="utf-8"), fragment
        assert fragment not in reasons, (fragment, submission.reasons)
    if submission.status != "accepted":
        assert all(expected["file"] in r for r in submission.reasons)
        assert submission.error_report is None or Path(submission.error_report).exists()
    if "rows" in expected:
        assert submission.rows == expected["rows"]
    assert Path(str(submission.archive_path)).read_bytes() == (CORPUS / "files" / expected["file"]).read_bytes()


def test_good_files_beside_bad_ones_are_in_the_warehouse_batches(outcomes: dict[str, Submission]) -> None:
    accepted = [s for s in outcomes.values() if s.status == "accepted"]
    assert {s.file_name for s in accepted} == {e["file"] for e in EXPECTED if e["status"] == "accepted"}
    for submission in accepted:
        assert Path(str(submission.batch_path)).exists()
        assert "/batches/current/" in str(submission.batch_path)
