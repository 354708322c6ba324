from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import period_bounds
from orchestration.lib.parse import read_submission
from orchestration.lib.quality import suite_spec, validate_batch
from sources.contract import contracts


def _batch(tmp_path: Path, small_landing: Path, name: str) -> Path:
    """A real pending batch, conformed from a generated file."""
    source = sorted(small_landing.rglob(name))[-1]
    feed = "referrals" if "referrals" in name else "children"
    contract = contracts()[feed]
    parsed = read_submission(source, contract)
    with Conformer(b"k") as conformer:
        period_end = period_bounds(name.rsplit("_", 1)[1].split(".")[0])[1]
        batch = conformer.conform(parsed.table, contract, parsed.layout, name.split("_")[0], period_end)
    assert batch.errors.num_rows == 0
    path = tmp_path / f"{feed}.parquet"
    pq.write_table(batch.table.append_column("submission_id", pa.array([7] * batch.table.num_rows, pa.int64())),
                   path)
    return path


def _replace(path: Path, column: str, values: list) -> None:
    table = pq.read_table(path)
    index = table.schema.get_field_index(column)
    table = table.set_column(index, column, pa.array(values, table.schema.field(column).type))
    pq.write_table(table, path)


def test_suite_follows_the_contract() -> None:
    spec = suite_spec(contracts()["referrals"])
    kinds = {(name, kwargs.get("column")) for name, kwargs, _ in spec}
    assert ("ExpectColumnValuesToBeInSet", "decision") in kinds
    assert ("ExpectColumnValuesToNotBeNull", "referral_date") in kinds
    assert ("ExpectCompoundColumnsToBeUnique", None) in kinds
    assert not any(kwargs.get("column") in {"child_id", "hcn", "forename"} for _, kwargs, _ in spec)


def test_generated_batches_pass(tmp_path: Path, small_landing: Path) -> None:
    for name in ("BHSCT_referrals_2024-06.csv", "SHSCT_referrals_2024-06.csv", "BHSCT_children_2024-06.csv"):
        result = validate_batch(_batch(tmp_path, small_landing, name), contracts()[name.split("_")[1]])
        assert result.success, result.failures


def test_decision_before_referral_fails_naming_the_rule(tmp_path: Path, small_landing: Path) -> None:
    path = _batch(tmp_path, small_landing, "BHSCT_referrals_2024-06.csv")
    table = pq.read_table(path)
    referral_dates = table.column("referral_date").to_pylist()
    _replace(path, "decision_date", [d - dt.timedelta(days=3) for d in referral_dates])
    result = validate_batch(path, contracts()["referrals"])
    assert not result.success
    assert any("expect_column_pair_values_a_to_be_greater_than_b" in f and "decision_date" in f
               for f in result.failures)


def test_duplicate_record_fails(tmp_path: Path, small_landing: Path) -> None:
    path = _batch(tmp_path, small_landing, "BHSCT_referrals_2024-06.csv")
    ids = pq.read_table(path).column("referral_id").to_pylist()
    _replace(path, "referral_id", [ids[0]] * len(ids))
    result = validate_batch(path, contracts()["referrals"])
    assert any("expect_compound_columns_to_be_unique" in f for f in result.failures)


def test_warnings_do_not_quarantine(tmp_path: Path, small_landing: Path) -> None:
    path = _batch(tmp_path, small_landing, "BHSCT_children_2024-06.csv")
    rows = pq.read_table(path).num_rows
    _replace(path, "has_valid_hcn", [False] * rows)
    result = validate_batch(path, contracts()["children"])
    assert result.success
    assert any("valid_hcn_share" in w for w in result.warnings)


@pytest.mark.parametrize("column", ["decision", "referral_source"])
def test_unknown_code_fails(tmp_path: Path, small_landing: Path, column: str) -> None:
    path = _batch(tmp_path, small_landing, "BHSCT_referrals_2024-06.csv")
    rows = pq.read_table(path).num_rows
    _replace(path, column, ["MADE_UP"] * rows)
    result = validate_batch(path, contracts()["referrals"])
    assert any("expect_column_values_to_be_in_set" in f and column in f for f in result.failures)


def test_failures_are_attributed_to_the_batches_that_broke_them(tmp_path: Path, small_landing: Path) -> None:
    from orchestration.lib.quality import validate_batches

    good = _batch(tmp_path, small_landing, "BHSCT_referrals_2024-06.csv")
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = _batch(bad_dir, small_landing, "BHSCT_referrals_2024-07.csv")
    _replace(bad, "submission_id", [8] * pq.read_table(bad).num_rows)
    dates = pq.read_table(bad).column("referral_date").to_pylist()
    _replace(bad, "decision_date", [d - dt.timedelta(days=1) for d in dates])
    results = validate_batches({7: good, 8: bad}, contracts()["referrals"])
    assert results[7].success and not results[8].success
    assert any("decision_date" in f for f in results[8].failures)


def test_the_same_record_in_two_batches_is_not_a_duplicate(tmp_path: Path, small_landing: Path) -> None:
    from orchestration.lib.quality import validate_batches

    first = _batch(tmp_path, small_landing, "BHSCT_referrals_2024-06.csv")
    again = tmp_path / "again.parquet"
    table = pq.read_table(first)
    pq.write_table(table.set_column(table.schema.get_field_index("submission_id"), "submission_id",
                                    pa.array([9] * table.num_rows, pa.int64())), again)
    results = validate_batches({7: first, 9: again}, contracts()["referrals"])
    assert results[7].success and results[9].success
