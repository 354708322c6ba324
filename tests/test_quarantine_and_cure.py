"""A Trust's rule-breaking month is quarantined and the last good publication stays; a resubmission cures it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.lib.registry import Registry

HEADER = ["referral_id", "child_id", "referral_date", "referral_source", "primary_need", "decision_date", "decision",
          "allocated_date", "team_code", "closed_date", "record_status"]


def _land(landing: Path, arrival: str, rows: list[dict]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = landing / arrival / "BHSCT_referrals_2025-01.csv"
    path.parent.mkdir(parents=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    stamp = dt.datetime.fromisoformat(arrival + "T09:00").timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _published(root: Path) -> tuple[str, int]:
    with duckdb.connect(str(root / "published" / "analytics.duckdb"), read_only=True) as con:
        run_id = con.execute("select run_id from publication_runs").fetchone()[0]
        january = con.execute("select count(*) from fct_referrals where provider_code = 'BHSCT' "
                              "and referral_date >= date '2025-01-01'").fetchone()[0]
    return run_id, january


def test_a_bad_month_is_quarantined_then_cured(short_landing: Path, data_dir: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    shutil.copytree(short_landing, data_dir / "landing")
    assert main(["run"]) == 0
    good_run, january = _published(data_dir)
    assert january == 0

    rows = [{"referral_id": f"BH-JAN-{n}", "child_id": "BHC0000001", "referral_date": f"2025-01-{10 + n}",
             "referral_source": "SCHOOL", "primary_need": "FAMILY_STRESS", "decision_date": f"2025-01-{12 + n}",
             "decision": "FAMILY_SUPPORT", "allocated_date": "", "team_code": "BHSCT-GW01", "closed_date": "",
             "record_status": "active"} for n in range(3)]
    broken = [dict(rows[0], decision_date="2025-01-02"), *rows[1:]]  # decided before it was received
    _land(data_dir / "landing", "2025-02-06", broken)
    capsys.readouterr()
    assert main(["run"]) == 1
    said = capsys.readouterr()
    assert "BHSCT_referrals_2025-01.csv" in said.out + said.err
    assert "decision_date" in said.out + said.err
    assert _published(data_dir) == (good_run, 0), "the last good publication stays"
    registry = Registry(data_dir / "restricted" / "registry.sqlite")
    (bad,) = [s for s in registry.all() if s.file_name == "BHSCT_referrals_2025-01.csv"]
    assert bad.status == "quarantined"
    assert any("expect_column_pair_values_a_to_be_greater_than_b" in r and "decision_date" in r for r in bad.reasons)
    page = re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", Path(str(bad.validation_docs)).read_text(encoding="utf-8")))
    assert "referrals_batch" in page
    rule = page.index("Values in decision_date must always be greater than or equal to those in referral_date")
    shown = page[rule:rule + 400]
    assert "1 unexpected values found" in shown and "2025-01-02" in shown and str(bad.submission_id) in shown

    _land(data_dir / "landing", "2025-02-20", rows)  # the corrected resubmission
    assert main(["run"]) == 0
    cured_run, january = _published(data_dir)
    assert cured_run != good_run and january == 3
    statuses = {s.submission_id: (s.status, s.superseded_by) for s in registry.all()
                if s.file_name == "BHSCT_referrals_2025-01.csv"}
    cure = max(statuses)
    assert statuses == {bad.submission_id: ("quarantined", cure), cure: ("accepted", None)}
