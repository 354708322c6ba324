"""The quality gate's suites on generated batches, and on bad batches that parse but break one rule each."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.lib.catalogue import load_catalogue
from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import checked_key, ingest_landing, period_bounds
from orchestration.lib.parse import read_submission
from orchestration.lib.quality import (
    _validation_definition,
    build_docs,
    gate_pending,
    gate_run_name,
    judged_in_run,
    run_results,
    validate_batch,
    validate_batches,
)
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from orchestration.lib.suites import expected_suite_files, load_suite_document, row_expectations
from sources.contract import contracts

FILES = {
    "referrals": "BHSCT_referrals_2024-06.csv", "children": "BHSCT_children_2024-06.csv",
    "assessments": "BHSCT_assessments_2024-06.csv", "child_protection": "SHSCT_child_protection_2023-04.csv",
    "care_episodes": "BHSCT_care_episodes_2023-04.csv", "placements": "BHSCT_placements_2023-04.csv",
    "care_leavers": "BHSCT_care_leavers_2023-04.csv", "workforce": "BHSCT_workforce_2024-06.csv",
    "sure_start_registrations": "SS01_sure_start_registrations_2024-Q2.csv",
    "family_support": "VCS001_family_support_2024-06.csv",
}


def batch_file(folder: Path, small_landing: Path, feed: str, submission_id: int = 7, name: str | None = None) -> Path:
    """A real batch, conformed from a generated file, as the gate sees it."""
    name = name or FILES[feed]
    source = sorted(small_landing.rglob(name))[-1]
    contract = contracts()[feed]
    provider, _, period = name.rsplit(".", 1)[0].partition(f"_{feed}_")
    parsed = read_submission(source, contract)
    with Conformer(b"k") as conformer:
        batch = conformer.conform(parsed.table, contract, parsed.layout, provider, period_bounds(period)[1])
    assert batch.errors.num_rows == 0
    rows = batch.table.num_rows
    table = batch.table.append_column("submission_id", pa.array([submission_id] * rows, pa.int64()))
    table = table.append_column("provider_code", pa.array([provider] * rows, pa.string()))
    table = table.append_column("period", pa.array([period] * rows, pa.string()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{submission_id}_{feed}.parquet"
    pq.write_table(table, path)
    return path


def mutate(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    table = pq.read_table(path)
    frame = change(table.to_pandas())
    pq.write_table(pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False), path)
    return path


def shift(column: str, source: str, days: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = [d + dt.timedelta(days=days) for d in frame[source]]
        return frame
    return change


def setting(column: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = value
        return frame
    return change


def test_every_catalogue_rule_is_an_expectation_of_its_feeds_suite() -> None:
    for rule in load_catalogue().rules:
        expectations = row_expectations(contracts()[rule.feed])
        (found,) = [e for e in expectations if e["meta"].get("rule") == rule.id]
        assert found["kwargs"] == {"column": rule.flag, "value_set": [False]}
        assert found["meta"]["severity"] == rule.severity and found["meta"]["source"] == rule.source


def test_a_batch_breaking_a_catalogue_rule_is_quarantined_naming_rule_and_rows(tmp_path: Path,
                                                                               small_landing: Path) -> None:
    bad = mutate(batch_file(tmp_path / "bad", small_landing, "referrals"), shift("decision_date", "referral_date", -3))
    result = validate_batches({7: bad}, contracts()["referrals"])[0][7]
    assert not result.success
    (reason,) = [f for f in result.failures if "referral_decision_before_referral" in f]
    assert "file rows 2" in reason and "decision_date" in reason and "spec 3.2" in reason
    assert any(c["rule"].startswith("referral_decision_before_referral") and "decision_date: " in c["value"]
               for c in result.cells)


def test_suite_follows_the_contract() -> None:
    kinds = {(e["type"], e["kwargs"].get("column")) for e in row_expectations(contracts()["referrals"])}
    assert ("expect_column_values_to_be_in_set", "decision") in kinds
    assert ("expect_column_values_to_not_be_null", "referral_date") in kinds
    assert ("expect_compound_columns_to_be_unique", None) in kinds
    assert not any(e["kwargs"].get("column") in {"child_id", "hcn", "forename"}
                   for e in row_expectations(contracts()["referrals"]))


@pytest.mark.parametrize("suite", sorted(p.stem for p in expected_suite_files()))
def test_great_expectations_keeps_every_expectation_of_the_committed_suite(suite: str) -> None:
    """GX replaces an expectation by another of the same domain: a suite it loaded with fewer would check less
    than it says (expect_column_to_exist once kept only the last column of each feed)."""
    document = load_suite_document(suite)
    definition = _validation_definition(None, suite)
    assert len(definition.suite.expectations) == len(document["expectations"])


def test_a_batch_without_a_contract_column_fails_naming_it(tmp_path: Path, small_landing: Path) -> None:
    path = batch_file(tmp_path, small_landing, "workforce")
    pq.write_table(pq.read_table(path).drop_columns(["long_term_absence_fte"]), path)
    result = validate_batch(path, contracts()["workforce"])
    assert not result.success
    (reason,) = [f for f in result.failures if "expect_table_columns_to_match_set" in f]
    assert "lacks the column(s) long_term_absence_fte." in reason
    assert any(c["column_name"] == "long_term_absence_fte" for c in result.cells)


def test_great_expectations_keeps_no_batch_after_a_validation(tmp_path: Path, small_landing: Path) -> None:
    """GX's execution engine would hold each suite's last DataFrame for the life of the process (0.85 GB after a
    scale-1 gate, held while dbt builds beside it): the gate drops it, whether the batch passed or failed."""
    path = batch_file(tmp_path, small_landing, "workforce")
    pq.write_table(pq.read_table(path).drop_columns(["long_term_absence_fte"]), path)
    assert not validate_batch(path, contracts()["workforce"]).success  # the failing path validates twice
    for suite in ("workforce_batch", "workforce_batch_measures"):
        engine = _validation_definition(None, suite).data.data_asset.datasource.execution_engine
        assert engine is not None, "the suite was validated, so its source has an engine"
        assert engine.batch_manager.batch_data_cache == {}
        assert engine.batch_manager.batch_cache == {}


def test_a_passing_validation_is_stored_once_a_failing_one_again_with_its_rows(tmp_path: Path,
                                                                             small_landing: Path) -> None:
    """The first run only decides; where an expectation did not hold (a warning too), a second run records the
    rows, and the page the gate links to is the second's."""
    paths = DataPaths(tmp_path / "data").ensure()
    workforce = contracts()["workforce"]
    good = batch_file(tmp_path / "a", small_landing, "workforce", 7)
    _, _, stored = validate_batches({7: good}, workforce, paths, run_name="good-run")
    assert [i.expectation_suite_identifier.name for i in stored] == ["workforce_batch", "workforce_batch_measures"]
    unknown = mutate(batch_file(tmp_path / "b", small_landing, "workforce", 8),
                     lambda frame: frame.assign(team_code=["NO-SUCH-TEAM", *frame["team_code"][1:]]))
    results, _, stored = validate_batches({8: unknown}, workforce, paths, run_name="warned-run")
    assert [i.expectation_suite_identifier.name for i in stored] == ["workforce_batch", "workforce_batch",
                                                                     "workforce_batch_measures"]
    assert results[8].success and any("workforce_team_unknown" in w and "(file rows 2)" in w
                                      for w in results[8].warnings)
    page = Path(build_docs(paths, stored)["workforce_batch"])
    assert stored[1].run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ") in str(page)
    assert "breaks__workforce_team_unknown" in page.read_text(encoding="utf-8")


def test_generated_batches_of_every_feed_pass(tmp_path: Path, small_landing: Path) -> None:
    for feed in FILES:
        if load_catalogue().row_rules(feed) and any(r.reads for r in load_catalogue().row_rules(feed)):
            continue  # they need the Trust's other feeds: covered by the end-to-end test
        result = validate_batch(batch_file(tmp_path / feed, small_landing, feed), contracts()[feed])
        assert result.success, (feed, result.failures)


@pytest.mark.parametrize("column", ["decision", "referral_source"])
def test_unknown_code_fails(tmp_path: Path, small_landing: Path, column: str) -> None:
    path = mutate(batch_file(tmp_path, small_landing, "referrals"), setting(column, "MADE_UP"))
    result = validate_batch(path, contracts()["referrals"])
    assert any("expect_column_values_to_be_in_set" in f and column in f for f in result.failures)


def test_duplicate_record_in_a_batch_fails(tmp_path: Path, small_landing: Path) -> None:
    path = batch_file(tmp_path, small_landing, "referrals")
    ids = pq.read_table(path).column("referral_id").to_pylist()
    mutate(path, setting("referral_id", ids[0]))
    assert any("expect_compound_columns_to_be_unique" in f
               for f in validate_batch(path, contracts()["referrals"]).failures)


def test_the_same_record_in_two_batches_is_not_a_duplicate(tmp_path: Path, small_landing: Path) -> None:
    first = batch_file(tmp_path / "a", small_landing, "referrals", 7)
    again = batch_file(tmp_path / "b", small_landing, "referrals", 9)
    results = validate_batches({7: first, 9: again}, contracts()["referrals"])[0]
    assert not any("expect_compound_columns_to_be_unique" in f for f in results[7].failures + results[9].failures)


def test_failures_are_attributed_to_the_batches_that_broke_them(tmp_path: Path, small_landing: Path) -> None:
    good = batch_file(tmp_path / "a", small_landing, "referrals", 7)
    bad = mutate(batch_file(tmp_path / "b", small_landing, "referrals", 8, "BHSCT_referrals_2024-07.csv"),
                 shift("decision_date", "referral_date", -1))
    results = validate_batches({7: good, 8: bad}, contracts()["referrals"])[0]
    assert not any("referral_decision_before_referral" in f for f in results[7].failures)
    assert any("referral_decision_before_referral" in f for f in results[8].failures)


def _history(rows: int, nrec: float = 0.05) -> dict[str, dict[str, dict]]:
    periods = ["2023-04", "2023-05", "2023-06", "2023-07", "2023-08"]  # 2023-04 carries the history: left out
    return {"BHSCT": {p: {"rows": float(rows * (10 if p == "2023-04" else 1)),
                          "religion_unrecorded_share": nrec} for p in periods}}


def test_half_a_month_missing_is_quarantined(tmp_path: Path, small_landing: Path) -> None:
    path = batch_file(tmp_path, small_landing, "referrals")
    rows = pq.read_table(path).num_rows
    results, measures, _ = validate_batches({7: path}, contracts()["referrals"], prior=_history(rows * 3))
    assert measures[7]["row_count_ratio"] == pytest.approx(1 / 3)
    assert not results[7].success
    assert any("row_count_ratio" in f for f in results[7].failures)
    results, _, _ = validate_batches({7: path}, contracts()["referrals"], prior=_history(rows))
    assert not any("row_count" in f for f in results[7].failures + results[7].warnings)


def test_a_jump_in_unrecorded_religion_is_a_warning(tmp_path: Path, small_landing: Path) -> None:
    path = mutate(batch_file(tmp_path, small_landing, "children", name="BHSCT_children_2023-04.csv"),
                  setting("religion", "NREC"))
    rows = pq.read_table(path).num_rows
    assert rows >= 30
    prior = _history(rows)
    prior["BHSCT"] = {p.replace("2023", "2022"): v for p, v in prior["BHSCT"].items()}
    results, measures, _ = validate_batches({7: path}, contracts()["children"], prior=prior)
    assert measures[7]["religion_unrecorded_jump"] == pytest.approx(0.95)
    assert results[7].success and any("religion_unrecorded_jump" in w for w in results[7].warnings)


def _jump_prior(rows: int) -> dict[str, dict[str, dict]]:
    periods = ["2022-09", "2022-10", "2022-11", "2022-12", "2023-01"]  # the first carries the history
    return {"BHSCT": {p: {"rows": float(rows), "religion_unrecorded_share": 0.05,
                          "ethnicity_unrecorded_share": 0.02} for p in periods}}


# One bad fixture for each hand-written measure rule: measure -> (feed, how to break it, prior history).
MEASURE_BREAKERS: dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame], str]] = {
    "row_count_ratio": ("referrals", lambda f: f, "three times the rows before"),
    "row_count_surge": ("referrals", lambda f: pd.concat(
        [f.assign(referral_id=f["referral_id"] + f"-{n}") for n in range(10)], ignore_index=True), "thirty rows"),
    "valid_hcn_share": ("children", setting("has_valid_hcn", False), ""),
    "known_area_share": ("children", setting("lgd_code", None), ""),
    "religion_unrecorded_jump": ("children", setting("religion", "NREC"), "usual shares"),
    "ethnicity_unrecorded_jump": ("children", setting("ethnicity", "NREC"), "usual shares"),
    "fte_balanced_share": ("workforce", setting("vacant_fte", 9.0), ""),
}
MEASURE_RULES = {m.id: m for m in load_catalogue().measures}


def test_every_measure_rule_has_a_bad_fixture() -> None:
    assert set(MEASURE_RULES) == set(MEASURE_BREAKERS)


@pytest.mark.parametrize("measure", sorted(MEASURE_BREAKERS))
def test_a_batch_breaking_a_measure_rule_fails_it(tmp_path: Path, small_landing: Path, measure: str) -> None:
    feed, breaker, history = MEASURE_BREAKERS[measure]
    name = "BHSCT_children_2023-04.csv" if feed == "children" else None
    path = mutate(batch_file(tmp_path, small_landing, feed, name=name), breaker)
    rows = pq.read_table(path).num_rows
    prior = {"three times the rows before": _history(max(rows * 3, 30)), "thirty rows": _history(30),
             "usual shares": _jump_prior(rows), "": None}[history]
    results, _, _ = validate_batches({7: path}, contracts()[feed], prior=prior)
    rule = MEASURE_RULES[measure]
    reported = results[7].failures if rule.severity == "error" else results[7].warnings
    assert any(measure in r for r in reported), (results[7].failures, results[7].warnings)
    assert not any(measure in r for r in (results[7].warnings if rule.severity == "error" else results[7].failures))


def test_one_validation_judges_every_providers_batches_and_each_check_reports_its_own(data_dir: Path,
                                                                                      small_landing: Path) -> None:
    """The gate validates a feed's new batches of every provider at once (one GX validation per suite, per feed,
    per run), still deciding each batch on its own rows; each provider's check then reads its own decisions."""
    paths = DataPaths.from_env().ensure()
    names = ["BHSCT_children_2024-06.csv", "SHSCT_children_2024-06.csv"]
    for name in names:
        shutil.copy(sorted(small_landing.rglob(name))[-1], paths.landing / name)
    unreadable = "BHSCT_children_2024-05.csv"  # refused at ingest: no column the contract names
    (paths.landing / unreadable).write_text("not,a,children,header\n1,2,3,4\n", encoding="utf-8")
    registry = Registry(paths.registry)
    with Conformer(checked_key(registry)) as conformer:
        ingest_landing(paths, registry, conformer, lambda name: True, run_id="run-one")
    pending = {s.provider: s for s in registry.all("pending")}
    assert set(pending) == {"BHSCT", "SHSCT"}
    mutate(Path(str(pending["SHSCT"].batch_path)), setting("sex", "MADE_UP"))

    contract = contracts()["children"]
    run_id = "0123abcd-run"
    summary = gate_pending(paths, registry, contract, ["BHSCT", "SHSCT"], gate_run_name("BHSCT", "children", run_id),
                           run_id)
    assert summary.accepted == [names[0]] and summary.quarantined == [names[1]], summary.failures
    stored = run_results(paths, run_id)
    # one validation per suite (a failing one is stored a second time, with its rows: see above)
    assert sorted({key.expectation_suite_identifier.name for key in stored}) == ["children_batch",
                                                                                "children_batch_measures"]
    assert len({key.run_id.run_time for key in stored if key.expectation_suite_identifier.name
                == "children_batch_measures"}) == 1
    # a second check of the same feed and run finds nothing left to validate
    assert not gate_pending(paths, registry, contract, ["SHSCT"], gate_run_name("SHSCT", "children", run_id),
                            run_id).quarantined
    assert len(run_results(paths, run_id)) == len(stored)

    trust, other = judged_in_run(registry, "children", ["BHSCT"], run_id), judged_in_run(
        registry, "children", ["SHSCT"], run_id)
    assert (trust.accepted, trust.quarantined, trust.failures) == ([names[0]], [], [])
    assert (other.accepted, other.quarantined) == ([], [names[1]])
    assert other.failures and all(f.startswith(names[1]) and "sex" in f for f in other.failures)
    assert other.docs["children_batch"].endswith(".html")
    assert judged_in_run(registry, "children", ["SHSCT"], "another-run").quarantined == []
    # the run that took the batch in reports it too, though a concurrent run's check judged it
    assert judged_in_run(registry, "children", ["SHSCT"], "run-one").quarantined == [names[1]]
    # and the batch it refused before the gate, to that provider's check only
    refused = judged_in_run(registry, "children", ["BHSCT"], "run-one").refused
    assert len(refused) == 1 and refused[0].startswith(f"{unreadable}: rejected: "), refused
    assert trust.refused == other.refused == judged_in_run(registry, "children", ["SHSCT"], "run-one").refused == []


def test_a_large_arrival_is_validated_in_groups_of_whole_providers() -> None:
    """A first load holds two years of every provider: validated together, its rows would all be in memory at
    once. Groups keep a provider's batches together (its history is read with them) and stay within the rows."""
    from types import SimpleNamespace

    from orchestration.lib.quality import _by_provider_within

    batches = [SimpleNamespace(provider=p, rows=r, submission_id=i)
               for i, (p, r) in enumerate([("A", 300), ("B", 250), ("A", 100), ("C", 500), ("D", 50), ("E", 900)])]
    groups = [[b.submission_id for b in group] for group in _by_provider_within(batches, 600)]
    assert groups == [[0, 2], [1], [3, 4], [5]]  # A 400; B 250 would pass 600; C 500 and D 50; E alone, over
    assert _by_provider_within([], 600) == []
    month = [SimpleNamespace(provider=p, rows=40, submission_id=i) for i, p in enumerate("ABCDE")]
    assert len(_by_provider_within(month, 600)) == 1  # a month's arrivals: one validation
