"""A restricted-zone step keeps its outputs when nothing it reads changed (orchestration/lib/unchanged.py): the
digest sees a file added, removed, grown or rewritten and any other input, and a missing output runs it again."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.lib.unchanged import files_in, inputs_digest, last_result, remember


def test_the_digest_changes_with_every_input(tmp_path: Path) -> None:
    batches = tmp_path / "current"
    batches.mkdir()
    first = batches / "000001_a.parquet"
    first.write_bytes(b"one")
    (batches / "notes.txt").write_text("not an input")
    before = inputs_digest(files_in(batches, tmp_path / "absent"), ["model"])
    assert inputs_digest(files_in(batches), ["model"]) == before  # the same inputs, the same digest
    assert inputs_digest(files_in(batches), ["another model"]) != before
    second = batches / "000002_b.parquet"
    second.write_bytes(b"two")
    added = inputs_digest(files_in(batches), ["model"])
    assert added != before
    second.unlink()
    assert inputs_digest(files_in(batches), ["model"]) == before  # withdrawn again: as it was
    first.write_bytes(b"one!")
    assert inputs_digest(files_in(batches), ["model"]) != before
    stat = first.stat()
    first.write_bytes(b"two!")  # rewritten, same size: the modification time tells
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    rewritten = inputs_digest(files_in(batches), ["model"])
    assert rewritten not in (before, added)
    assert inputs_digest([tmp_path / "decisions.csv"]) != inputs_digest([])  # missing is an input too


def test_the_last_result_is_kept_only_for_the_same_digest_and_outputs_still_there(tmp_path: Path) -> None:
    record, output = tmp_path / "step" / "last_run.json", tmp_path / "out.parquet"
    assert last_result(record, "abc", [output]) is None  # never ran
    output.write_bytes(b"x")
    remember(record, "abc", {"rows": 3})
    assert last_result(record, "abc", [output]) == {"rows": 3}
    assert last_result(record, "abd", [output]) is None
    output.unlink()
    assert last_result(record, "abc", [output]) is None
    output.write_bytes(b"x")
    record.write_text("{not json")
    assert last_result(record, "abc", [output]) is None
    assert not list(record.parent.glob(".*.tmp"))
