"""Exact ages at events (spec 7.2.1), worked out in the restricted zone: ingest keeps each batch's dates of birth
under restricted/, the ages step ages every flagged event from the person's latest date of birth, and only the
ages leave (batches/ages/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import land_and_accept

from orchestration.lib.ages import compute_event_ages, event_ages_path
from orchestration.lib.lifecycle import identities_path
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.contract import contracts

CHILDREN = ("child_id,hcn,forename,surname,date_of_birth,sex,religion,ethnicity,disability,first_language,"
            "interpreter_required,postcode,record_status\n")
REFERRALS = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
             "allocated_date,team_code,closed_date,record_status\n")
FAMILY = ("referral_ref,org_code,hub_code,referral_date,forename,surname,date_of_birth,sex,postcode,hcn,"
          "referral_source,needs,service_start_date,service_end_date,outcome,advocacy\n")
MAY = {
    # C1 turns 16 on 17 May 2025; C2, a leap-day baby, turns 13 on 1 March 2025
    "BHSCT_children_2025-05.csv": CHILDREN + "C1,,Aoife,Byrne,2009-05-17,F,CATH,WHIT,N,en,N,BT12 4AB,active\n"
                                             "C2,,Ciaran,Doyle,2012-02-29,M,PROT,WHIT,N,en,N,BT9 5AB,active\n",
    "BHSCT_referrals_2025-05.csv": REFERRALS + "R1,C1,2025-05-16,POLICE,,,,,BHSCT-GW01,,active\n"
                                               "R2,C1,2025-05-17,SCHOOL,,,,,BHSCT-GW01,,active\n"
                                               "R3,C2,2025-02-28,GP,,,,,BHSCT-GW01,,active\n"
                                               "R4,C2,2025-03-01,GP,,,,,BHSCT-GW01,,active\n",
    # the family support record carries its own date of birth: 4 at referral, 5 when the service ended
    "VCS001_family_support_2025-05.csv": FAMILY + "F1,VCS001,FSH03,2025-01-10,Orla,Kelly,2020-03-20,F,BT12 4AB,,"
                                                  "SCHOOL,PARENTING,2025-01-20,2025-05-02,NEEDS_MET,N\n",
}
# June's children file corrects C1's date of birth to 15 May: R1, on 16 May, was then made at 16
JUNE = {"BHSCT_children_2025-06.csv": CHILDREN + "C1,,Aoife,Byrne,2009-05-15,F,CATH,WHIT,N,en,N,BT12 4AB,active\n"}


def _ages(paths: DataPaths, feed: str) -> list[tuple[dt.date, int]]:
    """(event date, age) of every flagged event of the feed's current batches, joined back through the batch."""
    contract = contracts()[feed]
    batch = pq.read_table(next((paths.current / feed).glob("0*_*.parquet"))).to_pylist()
    ages = {(r["provider_code"], r["person_ref"], r["event_date"]): r["age"]
            for r in pq.read_table(event_ages_path(paths)).to_pylist()}
    return sorted((row[event], ages[(row["provider_code"], row[contract.person_ref], row[event])])
                  for row in batch for event in contract.age_events if row[event] is not None)


def test_events_are_aged_exactly_and_a_corrected_date_of_birth_corrects_them(data_dir: Path) -> None:
    paths = DataPaths(data_dir).ensure()
    land_and_accept(paths, MAY)
    summary = compute_event_ages(paths)
    assert summary.without_birth_date == 0
    # the day before the 16th birthday is 15, the day itself 16; a leap-day baby is 12 on 28 February 2025
    # and 13 on 1 March (the month of birth alone would have said 16, 16, 13 and 13)
    assert [age for _, age in _ages(paths, "referrals")] == [12, 13, 15, 16]
    assert [age for _, age in _ages(paths, "family_support")] == [4, 5]

    land_and_accept(paths, JUNE)
    compute_event_ages(paths)
    assert [age for _, age in _ages(paths, "referrals")] == [12, 13, 16, 16]


def test_identifiers_stay_in_the_restricted_zone(data_dir: Path) -> None:
    paths = DataPaths(data_dir).ensure()
    land_and_accept(paths, MAY)
    compute_event_ages(paths)
    registry = Registry(paths.registry)
    kept = {s.feed: identities_path(paths, s.submission_id) for s in registry.all()}
    assert set(kept) == {"children", "referrals", "family_support"}
    assert kept["children"].exists() and kept["family_support"].exists() and not kept["referrals"].exists()
    assert kept["children"].is_relative_to(paths.root / "restricted")
    assert (paths.identities.stat().st_mode & 0o077) == 0  # readable by its owner only
    dates = pq.read_table(kept["children"]).to_pylist()
    assert sorted(r["date_of_birth"] for r in dates) == [dt.date(2009, 5, 17), dt.date(2012, 2, 29)]
    # and the rest of each child's identifiers, for linkage: names and postcode normalised, the HCN where valid
    assert sorted((r["forename"], r["surname"], r["postcode"], r["hcn"]) for r in dates) == [
        ("AOIFE", "BYRNE", "BT124AB", None), ("CIARAN", "DOYLE", "BT95AB", None)]
    (hub,) = pq.read_table(kept["family_support"]).to_pylist()
    assert (hub["forename"], hub["surname"], hub["date_of_birth"]) == ("ORLA", "KELLY", dt.date(2020, 3, 20))
    for parquet in (paths.root / "batches").rglob("*.parquet"):
        table = pq.read_table(parquet)
        assert not {"date_of_birth", "forename", "surname", "postcode", "hcn"} & set(table.column_names), parquet
        assert all(dt.date(2009, 5, 17) not in table.column(c).to_pylist() for c in table.column_names
                   if str(table.schema.field(c).type) == "date32[day]"), parquet


def test_a_batch_ingested_before_dates_of_birth_were_kept_is_counted(data_dir: Path) -> None:
    paths = DataPaths(data_dir).ensure()
    land_and_accept(paths, MAY)
    registry = Registry(paths.registry)
    children = next(s for s in registry.all() if s.feed == "children")
    identities_path(paths, children.submission_id).unlink()
    summary = compute_event_ages(paths)
    assert summary.without_birth_date == 1
    assert [age for _, age in _ages(paths, "family_support")] == [4, 5]  # its own batch still has its dates
    assert pq.read_table(event_ages_path(paths)).num_rows == 2  # the referrals wait for `cdw rebuild-batches`


def test_a_key_rotation_makes_the_kept_dates_of_birth_again(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Their person references are keyed: after `cdw rebuild-batches --rotate-key` they still join the batches."""
    from orchestration.cli import main

    paths = DataPaths(data_dir).ensure()
    land_and_accept(paths, MAY)
    children = next(s for s in Registry(paths.registry).all() if s.feed == "children")
    kept = identities_path(paths, children.submission_id)
    before = {r["person_ref"] for r in pq.read_table(kept).to_pylist()}
    monkeypatch.setenv("CDW_PSEUDONYMISATION_KEY", "a-new-secret-key-of-at-least-32-bytes-0123")
    assert main(["rebuild-batches", "--rotate-key"]) == 0
    after = {r["person_ref"] for r in pq.read_table(kept).to_pylist()}
    batch = next((paths.current / "children").glob("0*_*.parquet"))
    assert after.isdisjoint(before) and after == set(pq.read_table(batch).column("child_ref").to_pylist())
    assert not (paths.identities / ".rebuild").exists()
    compute_event_ages(paths)
    assert [age for _, age in _ages(paths, "referrals")] == [12, 13, 15, 16]


def test_a_batch_withdrawn_by_the_second_line_no_longer_ages_anyone(data_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """June's correction of C1's date of birth is withdrawn after failing a warehouse test: the events are aged
    again from May's date of birth before the warehouse is built again."""
    from orchestration.lib import second_line

    paths = DataPaths(data_dir).ensure()
    land_and_accept(paths, MAY)
    land_and_accept(paths, JUNE)
    compute_event_ages(paths)
    assert [age for _, age in _ages(paths, "referrals")] == [12, 13, 16, 16]
    (june,) = [s for s in Registry(paths.registry).all("accepted") if s.file_name in JUNE]
    failing = second_line.FailedTest("not_null_stg_children", "stg_children", "child_key",
                                     frozenset({june.submission_id}))
    monkeypatch.setattr(second_line, "failed_tests", lambda target, warehouse: [failing])
    withdrawn, unattributed = second_line.withdraw_failing_batches(paths, data_dir / "no_target")
    assert (withdrawn, unattributed) == ([june.file_name], [])
    assert [age for _, age in _ages(paths, "referrals")] == [12, 13, 15, 16]


def test_a_run_with_nothing_new_keeps_the_ages(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ages are worked out over every current batch, so a run with nothing new keeps the last ones; a new batch
    (June's corrected date of birth) ages everyone again."""
    from orchestration.lib import ages

    paths = DataPaths(data_dir).ensure()
    land_and_accept(paths, MAY)
    first = compute_event_ages(paths)
    real_compute = ages._compute_event_ages

    def must_not_compute(*args: object) -> None:
        raise AssertionError("aged again with nothing changed")

    monkeypatch.setattr(ages, "_compute_event_ages", must_not_compute)
    kept = compute_event_ages(paths)
    assert kept.unchanged and not first.unchanged and kept.events == first.events
    land_and_accept(paths, JUNE)
    with pytest.raises(AssertionError, match="aged again"):
        compute_event_ages(paths)
    monkeypatch.setattr(ages, "_compute_event_ages", real_compute)
    compute_event_ages(paths)
    assert [age for _, age in _ages(paths, "referrals")] == [12, 13, 16, 16]
