"""The quality gate: a Great Expectations suite per feed, run on each pending batch.

The suite follows from the feed's contract (columns present, required fields,
code lists, the record key) plus rules the contract cannot say (for example a
decision on or after its referral). Each expectation carries a severity in its
``meta``: failing an ``error`` quarantines the batch; failing a ``warning``
lets it through with the warning recorded. GX runs on a pandas DataFrame per
batch: its SQL data source does not work on DuckDB (DESIGN_NOTES). Great
Expectations is imported lazily: it takes seconds to import, and the Dagster
definitions must load fast.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.ingest import promote, quarantine
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.contract import Contract, codes

if TYPE_CHECKING:
    import great_expectations as gx

ERROR, WARNING = "error", "warning"

# Row rules beyond the contract, per feed: (expectation class name, kwargs, severity).
FEED_RULES: dict[str, list[tuple[str, dict[str, Any], str]]] = {
    "referrals": [
        ("ExpectColumnPairValuesAToBeGreaterThanB",
         {"column_A": "decision_date", "column_B": "referral_date", "or_equal": True,
          "ignore_row_if": "either_value_is_missing"}, ERROR),
        ("ExpectColumnPairValuesAToBeGreaterThanB",
         {"column_A": "closed_date", "column_B": "referral_date", "or_equal": True,
          "ignore_row_if": "either_value_is_missing"}, ERROR),
    ],
}

# Measures of a whole batch, per feed: (measure, how to compute it from the batch, bounds, severity). They are
# validated as a table of one row per batch, so that one Great Expectations run covers many batches.
BATCH_MEASURES: dict[str, list[tuple[str, Callable[[pd.DataFrame], float], dict[str, float], str]]] = {
    "children": [
        ("valid_hcn_share", lambda batch: batch["has_valid_hcn"].mean(), {"min_value": 0.85}, WARNING),
        ("known_area_share", lambda batch: batch["lgd_code"].notna().mean(), {"min_value": 0.95}, WARNING),
    ],
}


@dataclass
class GateResult:
    success: bool
    failures: list[str] = field(default_factory=list)  # failed error expectations
    warnings: list[str] = field(default_factory=list)  # failed warning expectations
    evaluated: int = 0


def suite_spec(contract: Contract) -> list[tuple[str, dict[str, Any], str]]:
    """The feed's row expectations as (class name, kwargs, severity), derived from its contract.

    They hold for every row of every batch, so they can be checked on several batches at once; the record key
    is unique within a batch (``submission_id``), as a record comes again in later months.
    """
    spec: list[tuple[str, dict[str, Any], str]] = []
    for col in contract.columns:
        if col.is_identifying:
            continue
        spec.append(("ExpectColumnToExist", {"column": col.name}, ERROR))
        if col.required:
            spec.append(("ExpectColumnValuesToNotBeNull", {"column": col.name}, ERROR))
        if col.type == "code" and col.code_list:
            spec.append(("ExpectColumnValuesToBeInSet", {"column": col.name, "value_set": codes(col.code_list)}, ERROR))
        if col.type == "codes" and col.code_list:
            alternatives = "|".join(codes(col.code_list))
            spec.append(("ExpectColumnValuesToMatchRegex",
                         {"column": col.name, "regex": f"^({alternatives})(\\|({alternatives}))*$"}, ERROR))
        if col.minimum is not None:
            spec.append(("ExpectColumnValuesToBeBetween", {"column": col.name, "min_value": col.minimum}, ERROR))
    if contract.column_by_role("local_child_id") is not None:
        spec.append(("ExpectColumnValuesToNotBeNull", {"column": "child_ref"}, ERROR))
    if contract.column_by_role("date_of_birth") is not None:
        spec.append(("ExpectColumnValuesToNotBeNull", {"column": "demographic_key"}, ERROR))
    spec.append(("ExpectCompoundColumnsToBeUnique", {"column_list": ["submission_id", *contract.batch_key]}, ERROR))
    spec += FEED_RULES.get(contract.feed, [])
    return spec


def measure_spec(contract: Contract) -> list[tuple[str, dict[str, Any], str]]:
    return [("ExpectColumnValuesToBeBetween", {"column": name, **bounds}, severity)
            for name, _, bounds, severity in BATCH_MEASURES.get(contract.feed, [])]


@functools.cache
def _context() -> tuple[Any, Any]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch_definition = (context.data_sources.add_pandas("batches").add_dataframe_asset("batch")
                        .add_batch_definition_whole_dataframe("whole_batch"))
    return context, batch_definition


@functools.cache
def build_suite(contract: Contract, kind: str = "rows") -> gx.ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context, _ = _context()
    suite = gx.ExpectationSuite(name=f"{contract.feed}_batch" if kind == "rows" else f"{contract.feed}_batch_measures")
    for class_name, kwargs, severity in (suite_spec(contract) if kind == "rows" else measure_spec(contract)):
        suite.add_expectation(getattr(gxe, class_name)(**kwargs, meta={"severity": severity}))
    return context.suites.add(suite)


def _describe(result: Any) -> str:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set", "regex")}
    detail = ""
    unexpected = result.result.get("unexpected_count")
    if unexpected:
        sample = result.result.get("partial_unexpected_list", [])[:3]
        detail = f": {unexpected} unexpected value(s), e.g. {sample}"
    elif "observed_value" in result.result:
        detail = f": observed {result.result['observed_value']}"
    return f"{config.type} {kwargs}{detail}"


def _frame(paths: list[Path]) -> pd.DataFrame:
    table = pa.concat_tables([pq.read_table(p) for p in paths], promote_options="default")
    frame = table.to_pandas()
    for col in frame.columns:
        if col.endswith("_date") or col == "birth_month":
            frame[col] = frame[col].astype("datetime64[ns]")
    return frame


def _run_suite(frame: pd.DataFrame, suite: Any, submissions: list[int]) -> dict[int, GateResult]:
    """Validate rows of several batches at once; attribute each failure to the batches whose rows broke it."""
    results = {sid: GateResult(success=True, evaluated=len(suite.expectations)) for sid in submissions}
    if frame.empty or not suite.expectations:
        return results
    _, batch_definition = _context()
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
    if outcome.success:
        return results
    outcome = batch.validate(suite, result_format={"result_format": "COMPLETE",
                                                   "unexpected_index_column_names": ["submission_id"]})
    for result in outcome.results:
        if result.success:
            continue
        index = result.result.get("unexpected_index_list")
        failing = {int(row["submission_id"]) for row in index} if index else set(submissions)
        severity = (result.expectation_config.meta or {}).get("severity", ERROR)
        for sid in failing & set(submissions):
            sample = [row for row in (index or []) if int(row["submission_id"]) == sid]
            description = _describe(result)
            if index:
                description = f"{result.expectation_config.type} {_kwargs(result)}: {len(sample)} unexpected " \
                              f"row(s) in this batch, e.g. {[_strip(r) for r in sample[:3]]}"
            if severity == WARNING:
                results[sid].warnings.append(description)
            else:
                results[sid].success = False
                results[sid].failures.append(description)
    return results


def _kwargs(result: Any) -> dict:
    return {k: v for k, v in result.expectation_config.kwargs.items() if k not in ("batch_id", "value_set", "regex")}


def _strip(row: dict) -> dict:
    def plain(value: Any) -> Any:
        if hasattr(value, "date"):
            return str(value.date())
        return value.item() if hasattr(value, "item") else value

    return {k: plain(v) for k, v in row.items() if k != "submission_id"}


def validate_batches(batches: dict[int, Path], contract: Contract) -> dict[int, GateResult]:
    """Run the feed's suites on several Parquet batches (by submission id) in one pass of each suite."""
    frame = _frame(list(batches.values()))
    submissions = list(batches)
    results = _run_suite(frame, build_suite(contract, "rows"), submissions)
    if BATCH_MEASURES.get(contract.feed):
        measures = pd.DataFrame({"submission_id": submissions})
        for name, compute, _, _ in BATCH_MEASURES[contract.feed]:
            values = {sid: (compute(part) if len(part) else None) for sid, part in frame.groupby("submission_id")}
            measures[name] = [values.get(sid) for sid in submissions]
        for sid, measured in _run_suite(measures, build_suite(contract, "measures"), submissions).items():
            results[sid].success &= measured.success
            results[sid].failures += measured.failures
            results[sid].warnings += measured.warnings
    return results


def validate_batch(path: Path, contract: Contract) -> GateResult:
    """Run the feed's suites on one Parquet batch."""
    submission_ids = pq.read_table(path, columns=["submission_id"]).column("submission_id").to_pylist()
    sid = int(submission_ids[0]) if submission_ids else 0
    return validate_batches({sid: path}, contract)[sid]


@dataclass
class GateSummary:
    accepted: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def gate_pending(paths: DataPaths, registry: Registry, contract: Contract, providers: list[str]) -> GateSummary:
    """Validate the pending batches of these providers' feed; promote or quarantine each, oldest first."""
    summary = GateSummary()
    pending = [s for s in registry.all("pending") if s.provider in providers and s.feed == contract.feed]
    if not pending:
        return summary
    results = validate_batches({s.submission_id: Path(str(s.batch_path)) for s in pending}, contract)
    for submission in pending:
        result = results[submission.submission_id]
        name = submission.file_name
        if result.success:
            promoted = promote(paths, registry, submission)
            if result.warnings:
                registry.update(promoted.submission_id, reasons=[f"warning: {name}: {w}" for w in result.warnings])
                summary.warnings += [f"{name}: {w}" for w in result.warnings]
            summary.accepted.append(name)
        else:
            reasons = [f"{name}: failed the quality gate (suite {contract.feed}_batch): {f}" for f in result.failures]
            quarantine(paths, registry, submission, reasons)
            summary.quarantined.append(name)
            summary.failures += reasons
    return summary
