"""Linkage quality against the generator's truth (issue 16): pairs of records given the same child key against
pairs of records of the same person, found through the keyed hashes of the providers' own ids."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lib.conform import person_ref_hash_sql
from orchestration.lib.linkage import identity_feeds, keyed_model, measure
from orchestration.lib.settings import DataPaths
from sources.contract import contracts

KEY = b"a-test-key-of-thirty-two-bytes-or-more!!"
# (provider, feed, the provider's own id, true person, the child key the warehouse gave the record)
RECORDS = [
    ("BHSCT", "children", "BHC1", "1", "k1"),
    ("NHSCT", "children", "NHC7", "1", "k1"),  # the same child in two Trusts, linked
    ("VCS001", "family_support", "F1", "1", "k9"),  # and referred to a hub under a misspelt name: missed
    ("VCS001", "family_support", "F2", "2", "k2"),
    ("SS01", "sure_start_registrations", "R1", "3", "k2"),  # another child given the same key: a false link
    ("SS01", "sure_start_registrations", "R2", "4", "k4"),
]


def _warehouse(paths: DataPaths) -> None:
    paths.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(paths.warehouse)) as con:
        for contract in identity_feeds():
            rows = [r for r in RECORDS if r[1] == contract.feed]
            values = ", ".join(f"('{p}', '{i}', '{k}')" for p, _, i, _, k in rows)
            reference = person_ref_hash_sql(KEY, contract, "provider_code", "own_id")
            con.execute(f"create table {keyed_model(contract)} as select provider_code, {reference} as "
                        f"{contract.person_ref}, child_key from (values {values}) as v(provider_code, own_id, "
                        "child_key)")


def test_pairs_of_records_are_counted_against_the_truth(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path)
    _warehouse(paths)
    truth = tmp_path / "truth.csv"
    truth.write_text("provider_code,feed,record_id,person_id\n"
                     + "".join(f"{p},{f},{i},{person}\n" for p, f, i, person, _ in RECORDS)
                     + "WHSCT,children,NEVER_SENT,5\n", encoding="utf-8")
    quality = measure(paths, truth, KEY)
    assert (quality.records, quality.people, quality.keys) == (6, 4, 4)
    # person 1's three records make 3 true pairs, of which one (the two Trusts) is linked; k2 links two people
    assert (quality.true_pairs, quality.linked_pairs, quality.correct_pairs) == (3, 2, 1)
    assert quality.precision == pytest.approx(0.5) and quality.recall == pytest.approx(1 / 3)
    assert quality.f1 == pytest.approx(0.4)


def test_every_feed_naming_a_child_is_measured() -> None:
    assert {c.feed for c in identity_feeds()} == {"children", "family_support", "sure_start_registrations"}
    assert {keyed_model(c) for c in identity_feeds()} == {
        "int_trust__children_keyed", "int_vcs__family_support_keyed", "int_sure_start__registrations_keyed"}
    assert contracts()["children"].person_ref == "child_ref"


def test_no_truth_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no truth file"):
        measure(DataPaths(tmp_path), tmp_path / "missing.csv", KEY)
