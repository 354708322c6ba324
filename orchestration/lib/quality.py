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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from orchestration.lib.ingest import promote, quarantine
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.contract import Contract, codes

if TYPE_CHECKING:
    import great_expectations as gx

ERROR, WARNING = "error", "warning"

# Rules beyond the contract, per feed: (expectation class name, kwargs, severity).
FEED_RULES: dict[str, list[tuple[str, dict[str, Any], str]]] = {
    "referrals": [
        ("ExpectColumnPairValuesAToBeGreaterThanB",
         {"column_A": "decision_date", "column_B": "referral_date", "or_equal": True,
          "ignore_row_if": "either_value_is_missing"}, ERROR),
        ("ExpectColumnPairValuesAToBeGreaterThanB",
         {"column_A": "closed_date", "column_B": "referral_date", "or_equal": True,
          "ignore_row_if": "either_value_is_missing"}, ERROR),
    ],
    "children": [
        ("ExpectColumnValuesToNotBeNull", {"column": "lgd_code", "mostly": 0.95}, WARNING),
        ("ExpectColumnMeanToBeBetween", {"column": "has_valid_hcn", "min_value": 0.85}, WARNING),
    ],
}


@dataclass
class GateResult:
    success: bool
    failures: list[str] = field(default_factory=list)  # failed error expectations
    warnings: list[str] = field(default_factory=list)  # failed warning expectations
    evaluated: int = 0


def suite_spec(contract: Contract) -> list[tuple[str, dict[str, Any], str]]:
    """The feed's expectations as (class name, kwargs, severity), derived from its contract."""
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
        spec.append(("ExpectColumnValuesToNotBeNull", {"column": "child_key"}, ERROR))
    key = [("child_ref" if contract.column(k).role == "local_child_id" else k) for k in contract.key]
    if len(key) == 1:
        spec.append(("ExpectColumnValuesToBeUnique", {"column": key[0]}, ERROR))
    else:
        spec.append(("ExpectCompoundColumnsToBeUnique", {"column_list": key}, ERROR))
    spec += FEED_RULES.get(contract.feed, [])
    return spec


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
def build_suite(contract: Contract) -> gx.ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context, _ = _context()
    suite = gx.ExpectationSuite(name=f"{contract.feed}_batch")
    for class_name, kwargs, severity in suite_spec(contract):
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


def validate_batch(path: Path, contract: Contract) -> GateResult:
    """Run the feed's suite on one Parquet batch."""
    _, batch_definition = _context()
    frame = pq.read_table(path).to_pandas()
    for col in frame.columns:
        if str(frame[col].dtype).startswith(("date", "object")) and col.endswith("_date"):
            frame[col] = frame[col].astype("datetime64[ns]")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    suite = build_suite(contract)
    # The pass/fail answer is about half the cost of one with details; details only where something failed.
    results = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
    if not results.success:
        results = batch.validate(suite, result_format={"result_format": "SUMMARY"})
    gate = GateResult(success=True, evaluated=len(results.results))
    for result in results.results:
        if result.success:
            continue
        severity = (result.expectation_config.meta or {}).get("severity", ERROR)
        if severity == WARNING:
            gate.warnings.append(_describe(result))
        else:
            gate.success = False
            gate.failures.append(_describe(result))
    return gate


@dataclass
class GateSummary:
    accepted: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def gate_pending(paths: DataPaths, registry: Registry, contract: Contract, provider: str) -> GateSummary:
    """Validate each pending batch of a provider's feed, oldest first: promote it or quarantine it."""
    summary = GateSummary()
    for submission in registry.all("pending"):
        if submission.provider != provider or submission.feed != contract.feed:
            continue
        result = validate_batch(Path(str(submission.batch_path)), contract)
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
