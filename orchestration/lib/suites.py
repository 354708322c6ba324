"""The Great Expectations suites committed in ``expectations/``, written by ``cdw contracts``.

Each feed has two: ``<feed>_batch`` holds row expectations (derived from the feed's contract: its columns,
required fields, code lists, the record key unique within a batch; then one per rule of the catalogue,
``expectations/catalogue.yaml``, on the rule's ``breaks__<id>`` column that the gate computes), and
``<feed>_batch_measures`` holds bounds on numbers measured per batch. Every expectation carries
``meta.severity`` (``error`` quarantines, ``warning`` is recorded) and ``meta.why``; a catalogue rule's
expectation carries its id, group, columns and source too. The running gate is ``quality``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestration.lib.catalogue import ERROR, load_catalogue
from orchestration.lib.settings import PROJECT_ROOT
from sources.contract import Contract, codes, contracts

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def row_expectations(contract: Contract) -> list[dict[str, Any]]:
    """The feed's row expectations: from the contract, then its catalogue rules."""
    found: list[dict[str, Any]] = []

    def add(kind: str, kwargs: dict[str, Any], severity: str, why: str, **meta: Any) -> None:
        found.append({"type": kind, "kwargs": kwargs, "meta": {"severity": severity, "why": why, **meta}})

    # One expectation for all the columns: GX takes expect_column_to_exist's column for a parameter, not its
    # domain, so a suite keeps only the last of several (they replace one another).
    add("expect_table_columns_to_match_set",
        {"column_set": [col.name for col in contract.columns if not col.is_identifying], "exact_match": False},
        ERROR, "The columns of the feed contract (those that identify a child are replaced by keys at ingest).")
    for col in contract.columns:
        if col.is_identifying:
            continue
        if col.required:
            add("expect_column_values_to_not_be_null", {"column": col.name}, ERROR, "Required by the contract.")
        if col.type == "code" and col.code_list:
            add("expect_column_values_to_be_in_set", {"column": col.name, "value_set": codes(col.code_list)},
                ERROR, f"Code list {col.code_list} (spec section 4).")
        if col.type == "codes" and col.code_list:
            alternatives = "|".join(codes(col.code_list))
            add("expect_column_values_to_match_regex",
                {"column": col.name, "regex": f"^({alternatives})(\\|({alternatives}))*$"}, ERROR,
                f"Codes of list {col.code_list}, separated by |.")
        if col.minimum is not None:
            add("expect_column_values_to_be_between", {"column": col.name, "min_value": col.minimum}, ERROR,
                f"At least {col.minimum:g}.")
    if contract.column_by_role("local_child_id") is not None:
        add("expect_column_values_to_not_be_null", {"column": "child_ref"}, ERROR, "Every record names its child.")
    if contract.column_by_role("date_of_birth") is not None:
        add("expect_column_values_to_not_be_null", {"column": "demographic_key"}, ERROR,
            "Every child can be linked on name, date of birth and postcode.")
    add("expect_compound_columns_to_be_unique", {"column_list": ["submission_id", *contract.batch_key]}, ERROR,
        "A record comes once in a file (it comes again in later months).")
    for rule in load_catalogue().row_rules(contract.feed):
        add("expect_column_values_to_be_in_set", {"column": rule.flag, "value_set": [False]}, rule.severity,
            rule.message, rule=rule.id, group=rule.group, columns=list(rule.columns), source=rule.source)
    return found


def measure_expectations(contract: Contract) -> list[dict[str, Any]]:
    return [{"type": m.expectation, "kwargs": {"column": m.id, **m.kwargs},
             "meta": {"severity": m.severity, "why": m.message, "rule": m.id, "group": "measures"}}
            for m in load_catalogue().measure_rules(contract.feed)]


def expectation_columns(kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The columns an expectation looks at."""
    columns = kwargs.get("column_list") or [kwargs.get(k) for k in ("column", "column_A", "column_B")]
    return tuple(str(c) for c in columns if c)


def _domain(expectation: dict[str, Any]) -> tuple:
    return expectation["type"], expectation_columns(expectation["kwargs"])


def _unique_domains(name: str, expectations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GX keeps one expectation per type and columns: a second would silently replace the first."""
    seen: set[tuple] = set()
    for expectation in expectations:
        if _domain(expectation) in seen:
            raise ValueError(f"suite {name}: two {expectation['type']} on {_domain(expectation)[1]}; "
                             "give the second its own measure or column")
        seen.add(_domain(expectation))
    return expectations


def suite_documents(contract: Contract) -> dict[str, dict[str, Any]]:
    """The feed's two suites as the JSON documents committed in expectations/."""
    source = f"sources/contracts/{contract.feed}.yaml and expectations/catalogue.yaml"
    return {
        f"{contract.feed}_batch": {
            "name": f"{contract.feed}_batch",
            "meta": {"generated_by": "cdw contracts", "from": source,
                     "notes": "Row expectations; the record key is unique within submission_id; a catalogue "
                              "rule checks the column breaks__<rule id> the gate computes."},
            "expectations": _unique_domains(f"{contract.feed}_batch", row_expectations(contract))},
        f"{contract.feed}_batch_measures": {
            "name": f"{contract.feed}_batch_measures",
            "meta": {"generated_by": "cdw contracts", "from": source,
                     "notes": "One row per batch: submission_id and the measures of orchestration/lib/quality.py."},
            "expectations": _unique_domains(f"{contract.feed}_batch_measures", measure_expectations(contract))},
    }


def expected_suite_files() -> dict[Path, str]:
    return {EXPECTATIONS_DIR / f"{name}.json": json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            for contract in contracts().values() for name, document in suite_documents(contract).items()}


def load_suite_document(name: str) -> dict[str, Any]:
    return json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))
