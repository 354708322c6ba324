"""Probabilistic linkage in the restricted zone (spec section 5, issue 16): records of one child across providers
share a person key whatever the spelling, two valid HCNs never do, a child keeps their key, a data engineer's
decision counts, and only keys leave."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import land_and_accept

from orchestration.lib.ingest import checked_key
from orchestration.lib.linkage import (
    DIFFERENT,
    SAME,
    assign_keys,
    components,
    contested_keys,
    decide,
    link_children,
    person_keys_path,
    review_path,
)
from orchestration.lib.linkage_quality import (
    EXACT,
    PROBABILISTIC,
    LinkageQuality,
    match_weight_chart,
    match_weights,
    measure,
    report,
)
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.generator.people import hcn_check_digit

CHILDREN = ("child_id,hcn,forename,surname,date_of_birth,sex,religion,ethnicity,disability,first_language,"
            "interpreter_required,postcode,record_status\n")
FAMILY = ("referral_ref,org_code,hub_code,referral_date,forename,surname,date_of_birth,sex,postcode,hcn,"
          "referral_source,needs,service_start_date,service_end_date,outcome,advocacy\n")


def _hcn(first_nine: str) -> str:
    return first_nine + str(hcn_check_digit(first_nine))


AOIFE, BRIAN, CARA = _hcn("398765432"), _hcn("398765433"), _hcn("398765434")
FILES = {
    "BHSCT_children_2025-01.csv": CHILDREN
    + f"C1,{AOIFE},Aoife,Ní Bhriain,2014-03-05,F,CATH,WHIT,N,en,N,BT12 4AB,active\n"
    + f"C2,{BRIAN},Brian,Doherty,2016-07-21,M,PROT,WHIT,N,en,N,BT9 5AB,active\n"
    + f"C3,{CARA},Cara,Quinn,2012-11-02,F,CATH,WHIT,N,en,N,BT15 3QQ,active\n",
    # Aoife without her HCN and with day and month of birth swapped; Brian as Bryan, Docherty; and a Cara Quinn
    # born the same day in the same street with another valid HCN: another child
    "VCS001_family_support_2025-01.csv": FAMILY
    + "F1,VCS001,FSH03,2025-01-10,Aoife,Ni Bhriain,2014-05-03,F,BT12 4AB,,SCHOOL,PARENTING,2025-01-20,,,N\n"
    + "F2,VCS001,FSH03,2025-01-11,Bryan,Docherty,2016-07-21,M,BT9 5AB,,GP,PARENTING,2025-01-20,,,N\n"
    + f"F3,VCS001,FSH03,2025-01-12,Cara,Quinn,2012-11-02,F,BT15 3QQ,{_hcn('398765436')},GP,PARENTING,"
      "2025-01-20,,,N\n",
}


@pytest.fixture
def linked(data_dir: Path) -> tuple[DataPaths, bytes, dict]:
    paths = DataPaths(data_dir).ensure()
    land_and_accept(paths, FILES)
    key = checked_key(Registry(paths.registry))
    summary = link_children(paths, key)
    assert (summary.identities, summary.without_identities) == (6, 0)
    return paths, key, pq.read_table(person_keys_path(paths)).to_pylist()


def test_one_child_across_providers_whatever_the_spelling_and_never_two_hcns(linked: tuple) -> None:
    _, _, rows = linked
    assert len(rows) == 6
    assert len({r["person_key"] for r in rows}) == 4  # Aoife, Brian, and the two Caras
    methods = sorted(r["link_method"] for r in rows)
    assert methods == ["probabilistic"] * 4 + ["unlinked"] * 2
    assert all(set(r) == {"feed", "provider_code", "person_ref", "person_key", "link_method"} for r in rows)


def test_only_keys_leave_and_the_restricted_files_stay_restricted(linked: tuple) -> None:
    paths, _, _ = linked
    text = person_keys_path(paths).read_bytes()
    for identifier in (b"AOIFE", b"Aoife", b"BT12", b"2014-03-05", AOIFE.encode()):
        assert identifier not in text
    assert (paths.root / "restricted" / "linkage" / "given_keys.parquet").exists()
    assert review_path(paths).is_relative_to(paths.root / "restricted")


def test_a_child_keeps_their_key_and_a_decision_counts(linked: tuple) -> None:
    paths, key, rows = linked
    link_children(paths, key)
    assert pq.read_table(person_keys_path(paths)).to_pylist() == rows  # the same keys run after run
    # a data engineer separates one child's two records: from the next linkage on, two keys, one keeps the old
    pair = min(sorted(f"{r['feed']}|{r['provider_code']}|{r['person_ref']}" for r in rows if r["person_key"] == k)
               for k in {r["person_key"] for r in rows if r["link_method"] == "probabilistic"})
    old_key = next(r["person_key"] for r in rows if f"{r['feed']}|{r['provider_code']}|{r['person_ref']}" == pair[0])
    decide(paths, pair[0], pair[1], DIFFERENT, "2025-02-01T09:00:00")
    link_children(paths, key)
    separated = pq.read_table(person_keys_path(paths)).to_pylist()
    assert len({r["person_key"] for r in separated}) == 5
    assert old_key in {r["person_key"] for r in separated}
    decide(paths, pair[0], pair[1], SAME, "2025-02-02T09:00:00")  # the latest decision counts
    link_children(paths, key)
    rejoined = pq.read_table(person_keys_path(paths)).to_pylist()
    assert len({r["person_key"] for r in rejoined}) == 4
    assert {r["link_method"] for r in rejoined} >= {"reviewed"}
    with pytest.raises(ValueError):
        decide(paths, pair[0], pair[1], "maybe", "2025-02-03T09:00:00")
    with pytest.raises(ValueError, match="not a record"):
        decide(paths, pair[0], "children,BHSCT,C1", SAME, "2025-02-03T09:00:00")  # a comma would break the file


def test_a_run_with_nothing_new_keeps_the_keys_without_linking_again(linked: tuple,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """At scale 30 linkage took 36 minutes over the same records when nothing had arrived."""
    from orchestration.lib import linkage

    paths, key, rows = linked
    real_link = linkage._link

    def must_not_link(*args: object) -> None:
        raise AssertionError("linked again with nothing changed")

    monkeypatch.setattr(linkage, "_link", must_not_link)
    again = link_children(paths, key)
    assert again.unchanged and (again.identities, again.people) == (6, 4)
    assert pq.read_table(person_keys_path(paths)).to_pylist() == rows
    with pytest.raises(AssertionError, match="linked again"):
        link_children(paths, b"another key of at least thirty-two bytes")  # another key: every key changes
    decide(paths, *sorted(f"{r['feed']}|{r['provider_code']}|{r['person_ref']}" for r in rows)[:2], DIFFERENT,
           "2025-02-01T09:00:00")
    with pytest.raises(AssertionError, match="linked again"):
        link_children(paths, key)  # a decision is an input
    monkeypatch.setattr(linkage, "_link", real_link)
    assert not link_children(paths, key).unchanged
    person_keys_path(paths).unlink()
    monkeypatch.setattr(linkage, "_link", must_not_link)
    with pytest.raises(AssertionError, match="linked again"):
        link_children(paths, key)  # an output gone: made again


def _keys(clusters: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """assign_keys on records a to e (no HCN) in the given clusters, with the keys given before."""
    con = duckdb.connect()
    con.execute("create table identities as select unique_id, cast(null as varchar) as hcn "
                "from unnest(['a', 'b', 'c', 'd', 'e']) as t(unique_id)")
    con.register("clustered_rows", pa.table({"unique_id": list(clusters), "cluster": list(clusters.values())}))
    con.execute("create table clustered as select * from clustered_rows")
    con.register("given_rows", pa.table({"unique_id": list(given), "person_key": list(given.values())},
                                        schema=pa.schema([("unique_id", pa.string()), ("person_key", pa.string())])))
    con.execute("create table given as select * from given_rows")
    assign_keys(con, b"k" * 32)
    return dict(con.execute("select unique_id, person_key from keyed").fetchall())


def test_clusters_are_connected_components_and_keys_follow_most_of_their_records() -> None:
    # records a to e numbered 0 to 4; a-b and b-c linked: one cluster named by its smallest record
    assert components(5, np.array([0, 1]), np.array([1, 2])).tolist() == [0, 0, 0, 3, 4]
    assert components(5, np.array([4, 2]), np.array([3, 3])).tolist() == [0, 1, 2, 2, 2]
    assert components(0, np.array([], dtype=np.int64), np.array([], dtype=np.int64)).tolist() == []
    merged = {"a": "a", "b": "a", "c": "a", "d": "d", "e": "e"}
    fresh = _keys(merged, {})
    assert fresh["a"] == fresh["b"] == fresh["c"] and len({fresh["a"], fresh["d"], fresh["e"]}) == 3
    assert _keys(merged, {}) == fresh  # a new key is the same hash of the same cluster
    # a cluster merging two earlier children keeps the key most of its records had; the other key retires
    kept = _keys(merged, {"a": "k1", "b": "k2", "c": "k2", "d": "k3"})
    assert (kept["a"], kept["b"], kept["c"], kept["d"]) == ("k2", "k2", "k2", "k3")
    assert kept["e"] == fresh["e"]
    # a child split in two: the part with most of the old records keeps the key, the other takes a new one
    split = _keys({"a": "a", "b": "a", "c": "c", "d": "d", "e": "e"}, {"a": "k1", "b": "k1", "c": "k1"})
    assert split["a"] == split["b"] == "k1" and split["c"] not in ("k1", split["d"], split["e"])


def test_contested_keys_serve_the_largest_holding_first() -> None:
    # k1 is held by two clusters (3 records and 1), cluster x holds two keys (3 of k1, 2 of k2)
    assert contested_keys([("k1", "y", 1), ("k2", "x", 2), ("k1", "x", 3)]) == {"x": "k1"}
    # a tie goes to the smaller key, then the smaller cluster; each key and each cluster at most once
    assert contested_keys([("k2", "x", 2), ("k1", "x", 2), ("k1", "y", 2), ("k2", "y", 2)]) == {"x": "k1",
                                                                                                 "y": "k2"}


def test_no_records_is_no_keys(data_dir: Path) -> None:
    paths = DataPaths(data_dir).ensure()
    summary = link_children(paths, b"k" * 32)
    assert (summary.identities, summary.people) == (0, 0)
    assert pq.read_table(person_keys_path(paths)).num_rows == 0


def test_quality_is_measured_pair_by_pair_against_the_truth(linked: tuple, tmp_path: Path) -> None:
    """Aoife's and Brian's family support records against their Trust records (the truth's persons 1 and 2); the
    two Caras are persons 3 and 4. The exact match misses both pairs (no HCN on the hub's records, and a name or
    a date that differs); the probabilistic linkage finds both and joins nobody else."""
    paths, key, _ = linked
    truth = tmp_path / "truth.csv"
    truth.write_text("provider_code,feed,record_id,person_id\n"
                     "BHSCT,children,C1,1\nBHSCT,children,C2,2\nBHSCT,children,C3,3\n"
                     "VCS001,family_support,F1,1\nVCS001,family_support,F2,2\nVCS001,family_support,F3,4\n"
                     "WHSCT,children,NEVER_SENT,5\n", encoding="utf-8")
    measured = measure(paths, truth, key)
    exact, probabilistic = measured.quality
    assert (exact.method, probabilistic.method) == (EXACT, PROBABILISTIC)
    assert (exact.records, exact.people, exact.true_pairs) == (6, 4, 2)
    assert (exact.keys, exact.linked_pairs, exact.correct_pairs) == (6, 0, 0)
    assert (exact.precision, exact.recall) == (1.0, 0.0)
    assert (probabilistic.keys, probabilistic.linked_pairs, probabilistic.correct_pairs) == (4, 2, 2)
    assert probabilistic.f1 == pytest.approx(1.0)
    # three Trust children and three hub children, four children in all: the exact match counts six
    counted = {c.population: (c.truly, c.by_method[EXACT], c.by_method[PROBABILISTIC]) for c in measured.children}
    assert counted == {"children known to the Trusts": (3, 3, 3), "children with early help": (3, 3, 3),
                       "all children named": (4, 6, 4)}
    text = report(measured)
    assert "6 records of 4 children" in text and "recall 100.00%" in text
    assert "all children named: 4 in truth; exact match (spec section 5) 6 (+50.00%)" in text
    assert "Match weights of the model" in text


def test_the_match_weights_are_the_models_own() -> None:
    weights = {(comparison, label): weight for comparison, label, weight in match_weights()}
    assert weights[("date_of_birth", "Exact match on date_of_birth")] > 5  # agreeing on a birthday links
    assert weights[("hcn", "All other comparisons")] < -20  # two different HCNs are two children
    assert ("date_of_birth", "day and month transposed") in weights
    chart = match_weight_chart()
    assert chart.count("\n") == len(weights) and "#" in chart and "=" in chart


def test_pairs_count_a_false_link_against_precision() -> None:
    quality = LinkageQuality("m", records=6, people=4, keys=4, true_pairs=3, linked_pairs=2, correct_pairs=1)
    assert quality.precision == pytest.approx(0.5) and quality.recall == pytest.approx(1 / 3)
    assert quality.f1 == pytest.approx(0.4)


def test_no_truth_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no truth file"):
        measure(DataPaths(tmp_path), tmp_path / "missing.csv", b"k" * 32)


def test_the_review_command_lists_the_queue_and_refuses_a_record_it_does_not_name(
        linked: tuple, capsys: pytest.CaptureFixture) -> None:
    from orchestration.cli import main

    assert main(["linkage-review"]) == 0
    assert "wait for a decision" in capsys.readouterr().out
    assert main(["linkage-review", "--same", "children,BHSCT,C1", "family_support|VCS001|" + "0" * 64]) == 2
    assert "not a record" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["linkage-review", "--same", "a", "b", "--different", "a", "b"])


def test_linkage_past_its_caps_stops_with_a_clear_error_and_keys_nothing(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At scale 30 the blocking rules' pairs spilled 46 GB in minutes: linkage stops at its spill cap (so the disk
    the warehouse writes to is not filled) and says why, and no key is written from a half-done linkage."""
    import duckdb

    from orchestration.lib import linkage

    monkeypatch.setenv("CDW_LINKAGE_MEMORY_LIMIT", "700MB")
    monkeypatch.setenv("CDW_LINKAGE_SPILL_LIMIT", "2GB")
    paths = DataPaths(data_dir).ensure()
    con = linkage._connection(paths)
    settings = dict(con.execute("select name, value from duckdb_settings() where name in "
                                "('memory_limit', 'max_temp_directory_size', 'temp_directory')").fetchall())
    con.close()
    assert settings["temp_directory"] == str(linkage.linkage_dir(paths) / "spill")
    assert settings["memory_limit"].startswith("66") and settings["max_temp_directory_size"].startswith("1.8")

    land_and_accept(paths, FILES)

    def out_of_space(con: object, model: object) -> None:
        raise duckdb.OutOfMemoryException("failed to offload data block: max_temp_directory_size")

    monkeypatch.setattr(linkage, "predict", out_of_space)
    with pytest.raises(linkage.LinkageTooLarge, match=r"linkage of 6 records .* 700MB of memory and 2GB of spill"):
        link_children(paths, checked_key(Registry(paths.registry)))
    assert not person_keys_path(paths).exists()
    assert not linkage.given_keys_path(paths).exists()


def test_prediction_in_slices_links_the_same_children(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large volumes are predicted a slice of records against a slice at a time (scale 30's pairs at once spilled
    46 GB): the same children come out linked, with the same pairs scored."""
    from orchestration.lib.linkage import prediction_chunks

    monkeypatch.delenv("CDW_LINKAGE_CHUNK_RECORDS", raising=False)
    assert [prediction_chunks(n) for n in (0, 200_094, 1_000_000, 1_000_001, 5_916_016)] == [1, 1, 1, 2, 6]
    grouped = []
    for per_chunk in ("1000", "2"):  # one slice; three slices of two records a side
        monkeypatch.setenv("CDW_LINKAGE_CHUNK_RECORDS", per_chunk)
        paths = DataPaths(data_dir / f"slices-{per_chunk}").ensure()
        land_and_accept(paths, FILES)
        link_children(paths, checked_key(Registry(paths.registry)))
        by_key: dict[str, set[str]] = {}
        for row in pq.read_table(person_keys_path(paths)).to_pylist():
            by_key.setdefault(row["person_key"], set()).add(f"{row['provider_code']}|{row['person_ref']}")
        grouped.append(sorted(sorted(group) for group in by_key.values()))
    assert grouped[0] == grouped[1]
    assert len(grouped[0]) == 4  # Aoife, Brian, and two Caras
