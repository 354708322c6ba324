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


def _land(landing: Path, arrival: str, rows: list[dict], name: str = "BHSCT_referrals_2025-01.csv") -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = landing / arrival / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    stamp = dt.datetime.fromisoformat(arrival + "T09:00").timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _published(root: Path, trust: str = "BHSCT") -> tuple[str, int]:
    with duckdb.connect(str(root / "published" / "analytics.duckdb"), read_only=True) as con:
        run_id = con.execute("select run_id from publication_runs").fetchone()[0]
        january = con.execute("select count(*) from fct_referrals where provider_code = ? "
                              "and referral_date >= date '2025-01-01'", [trust]).fetchone()[0]
    return run_id, january


def _referrals(trust: str, child: str) -> list[dict]:
    return [{"referral_id": f"{trust}-JAN-{n}", "child_id": child, "referral_date": f"2025-01-{10 + n}",
             "referral_source": "SCHOOL", "primary_need": "FAMILY_STRESS", "decision_date": f"2025-01-{12 + n}",
             "decision": "FAMILY_SUPPORT", "allocated_date": "", "team_code": f"{trust}-GW01", "closed_date": "",
             "record_status": "active"} for n in range(3)]


def test_one_trusts_bad_month_is_quarantined_everyone_elses_is_published_then_cured(
        short_landing: Path, data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.copytree(short_landing, data_dir / "landing")
    assert main(["run"]) == 0
    good_run, january = _published(data_dir)
    assert january == 0

    rows = _referrals("BHSCT", "BHC0000001")
    broken = [rows[0], dict(rows[1], child_id="BHC9999999"), rows[2]]  # a child the Trust never sent
    _land(data_dir / "landing", "2025-02-06", broken)
    children = next((data_dir / "landing").rglob("SEHSCT_children_2024-10.csv")).read_text(encoding="utf-8")
    child = children.splitlines()[1].split(",")[0]  # a child the Trust did send
    _land(data_dir / "landing", "2025-02-06", _referrals("SEHSCT", child), "SEHSCT_referrals_2025-01.csv")
    capsys.readouterr()
    assert main(["run"]) == 0, "one Trust's mistake stops nobody else's publication"
    said = capsys.readouterr()
    assert "quarantined: BHSCT_referrals_2025-01.csv" in said.out + said.err
    published_run, january = _published(data_dir)
    assert published_run != good_run and january == 0
    assert _published(data_dir, "SEHSCT")[1] == 3, "the other Trust's month is published in the same run"
    registry = Registry(data_dir / "restricted" / "registry.sqlite")
    (bad,) = [s for s in registry.all() if s.file_name == "BHSCT_referrals_2025-01.csv"]
    assert bad.status == "quarantined"
    (reason,) = [r for r in bad.reasons if "referral_child_unknown" in r]
    assert "BHSCT_referrals_2025-01.csv" in reason and "file rows 3" in reason and "child_id" in reason
    page = re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", Path(str(bad.validation_docs)).read_text(encoding="utf-8")))
    assert "referrals_batch" in page and "breaks__referral_child_unknown" in page and str(bad.submission_id) in page

    assert main(["run"]) == 0, "the next run, with no new file, succeeds"
    assert _published(data_dir)[1] == 0

    _land(data_dir / "landing", "2025-02-20", rows)  # the corrected resubmission
    assert main(["run"]) == 0
    cured_run, january = _published(data_dir)
    assert cured_run != published_run and january == 3
    statuses = {s.submission_id: (s.status, s.superseded_by) for s in registry.all()
                if s.file_name == "BHSCT_referrals_2025-01.csv"}
    cure = max(statuses)
    assert statuses == {bad.submission_id: ("quarantined", cure), cure: ("accepted", None)}


def test_a_first_run_holding_only_trust_feeds_publishes(short_landing: Path, data_dir: Path) -> None:
    """A region that onboards its Trusts before its Sure Start projects and voluntary organisations."""
    for file in short_landing.rglob("*"):
        if file.is_file() and file.name.split("_")[0] in ("BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT"):
            target = data_dir / "landing" / file.parent.name / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
    assert main(["run"]) == 0
    with duckdb.connect(str(data_dir / "published" / "analytics.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from fct_referrals").fetchone()[0] > 0
        assert con.execute("select count(*) from fct_sure_start_registrations").fetchone()[0] == 0
        reach = con.execute("select distinct availability, value, note from mart_indicators "
                            "where indicator = 'sure_start_reach'").fetchall()
        looked_after = con.execute("select count(*) from mart_indicators where indicator = 'looked_after' "
                                   "and availability = 'available' and value > 0").fetchone()[0]
        community = con.execute(
            "select distinct availability, value from mart_service_performance where indicator in (select indicator "
            "from dim_indicators where source_feeds in ('family_support', 'sure_start_registrations'))").fetchall()
    assert reach == [("not_available", None, "Not available: a feed it is built from has not been received yet.")]
    assert looked_after > 0
    assert community == [("not_available", None)]


def test_a_batch_failing_a_warehouse_test_is_withdrawn_and_everyone_else_published(
        short_landing: Path, data_dir: Path) -> None:
    """The second line behind the gate: a record that slipped past it (here, made so by hand in an accepted batch)
    fails a dbt test; its batch is withdrawn, named, and the rest of the warehouse is published."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.copytree(short_landing, data_dir / "landing")
    assert main(["run"]) == 0
    registry = Registry(data_dir / "restricted" / "registry.sqlite")
    (slipped,) = [s for s in registry.all("accepted") if s.file_name.startswith("BHSCT_referrals_2024-12")]
    table = pq.read_table(str(slipped.batch_path))
    unknown = pa.array(["not-a-child-of-the-trust"] * table.num_rows, pa.string())
    pq.write_table(table.set_column(table.schema.get_field_index("child_ref"), "child_ref", unknown),
                   str(slipped.batch_path))

    assert main(["run"]) == 0, "a failing warehouse test stops nobody else's publication"
    withdrawn = registry.get(slipped.submission_id)
    assert withdrawn.status == "quarantined"
    assert any("fail the warehouse test" in r and "fct_referrals" in r and slipped.file_name in r
               for r in withdrawn.reasons), withdrawn.reasons
    with duckdb.connect(str(data_dir / "published" / "analytics.duckdb"), read_only=True) as con:
        batches = {r[0] for r in con.execute("select submission_id from publication_batches").fetchall()}
        orphans = con.execute("select count(*) from fct_referrals where child_key is null").fetchone()[0]
    assert slipped.submission_id not in batches and len(batches) == len(registry.all("accepted"))
    assert orphans == 0
    assert main(["run"]) == 0, "the next run, with no new file, succeeds"
