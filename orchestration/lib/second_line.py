"""dbt's tests as the second line behind the quality gate: which accepted batches a failed test's rows came from.

The gate should catch every row a warehouse test would refuse, but if one slips through, a failing test must
not stop every provider's publication run after run. Every fact row carries ``last_submission_id``, the batch
that carried its record's latest version, so a failed test on a column of a model names its batches: the test's
own compiled query gives the failing values, and the model's rows holding them give the batches. Those are
withdrawn (``Lifecycle.withdraw``), the events are aged and the children linked again without their identifiers,
and the warehouse is built again without them. A test that names no batch (a test of a whole mart, say) still
fails the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.ages import compute_event_ages
from orchestration.lib.engine import warehouse_reader
from orchestration.lib.ingest import checked_key
from orchestration.lib.lifecycle import Lifecycle
from orchestration.lib.linkage import link_children
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths

BATCH_COLUMN = "last_submission_id"


@dataclass(frozen=True)
class FailedTest:
    name: str
    model: str
    column: str | None
    batches: frozenset[int]  # empty: the test names no batch


def failed_tests(target: Path, paths: DataPaths) -> list[FailedTest]:
    """The tests of a finished ``dbt build`` (its target folder) that failed, with the batches their rows came
    from, looked up in the warehouse it built (on either engine: its compiled query runs on DuckDB)."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    failed = [r for r in results if r["unique_id"].startswith("test.") and r["status"] in ("fail", "error")]
    if not failed:
        return []
    found = []
    with warehouse_reader(paths) as (con, _):
        for result in failed:
            test = nodes[result["unique_id"]]
            model = nodes.get(test.get("attached_node") or "", {})
            column = test.get("column_name")
            batches = _batches(con, model.get("relation_name"), column, result.get("compiled_code")) \
                if model and column and result["status"] == "fail" else frozenset()
            found.append(FailedTest(test["name"], model.get("name", ""), column, batches))
    return found


def _batches(con: duckdb.DuckDBPyConnection, relation: str | None, column: str, compiled: str | None
             ) -> frozenset[int]:
    """The batches of the model's rows whose ``column`` holds a value the test's query returns."""
    if relation is None or compiled is None:
        return frozenset()
    try:
        columns = {row[0] for row in con.execute(f"describe {relation}").fetchall()}
        if BATCH_COLUMN not in columns or column not in columns:
            return frozenset()
        failing = con.sql(compiled).columns
        value = column if column in failing else failing[0]
        rows = con.execute(
            f"select distinct model.{BATCH_COLUMN} from {relation} as model "
            f"where exists (select 1 from ({compiled}) as failing where failing.\"{value}\" is not distinct from "
            f"model.\"{column}\") and model.{BATCH_COLUMN} is not null").fetchall()
    except duckdb.Error:  # a test written in Spark's dialect that DuckDB cannot run: it names no batch
        return frozenset()
    return frozenset(int(r[0]) for r in rows)


def withdraw_failing_batches(paths: DataPaths, target: Path) -> tuple[list[str], list[FailedTest]]:
    """Withdraw every accepted batch a failed test names, each with a reason naming the test; return the files
    withdrawn and the failed tests that name no batch (those still fail the run)."""
    failed = failed_tests(target, paths)
    registry = Registry(paths.registry)
    lifecycle = Lifecycle(paths, registry)
    by_batch: dict[int, list[FailedTest]] = {}
    for test in failed:
        for batch in test.batches:
            by_batch.setdefault(batch, []).append(test)
    withdrawn = []
    for batch, tests in sorted(by_batch.items()):
        submission = registry.get(batch)
        if submission.status != "accepted":
            continue
        reasons = [f"{submission.file_name}: rows of this batch fail the warehouse test {t.name} (column {t.column} "
                   f"of {t.model}), which the quality gate did not catch; withdrawn so that everyone else's data "
                   "is published. Correct the file and send it again." for t in tests]
        lifecycle.withdraw(submission, reasons)
        withdrawn.append(submission.file_name)
    if withdrawn:  # a withdrawn batch's identifiers (a corrected date of birth, say) no longer age or link anyone
        compute_event_ages(paths)
        link_children(paths, checked_key(registry))
    return withdrawn, [t for t in failed if not t.batches]
