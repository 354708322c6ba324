"""Every rule of the catalogue (expectations/catalogue.yaml) on its failing and its passing case.

The cases (tests/bad_submissions/rule_cases.yaml) change one consistent world of submissions. Each variant is
written as the provider's CSV files, read and conformed exactly as ingest does, put where the gate finds a
provider's state (pending, and accepted for the earlier submission), and the feed's rules are evaluated as
the gate evaluates them.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from orchestration.lib.catalogue import load_catalogue
from orchestration.lib.conform import Conformer
from orchestration.lib.parse import period_bounds, read_submission
from orchestration.lib.rule_state import rule_flags
from orchestration.lib.settings import DataPaths
from sources.contract import contracts

CASES = yaml.safe_load((Path(__file__).parent / "bad_submissions" / "rule_cases.yaml").read_text(encoding="utf-8"))
PLACES = {"trust": ("BHSCT", "2024-06", "2024-05"), "sure_start": ("SS01", "2024-Q2", "2024-Q1"),
          "vcs": ("VCS001", "2024-06", "2024-05")}
RULES = {rule.id: rule for rule in load_catalogue().rules}


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else "" if value is None else str(value)


def _changed(world: dict[str, list[dict]], changes: dict) -> dict[str, list[dict]]:
    rows = copy.deepcopy(world)
    for key, change in changes.items():
        if key == "earlier":
            continue
        feed = key.removesuffix("+")
        if isinstance(change, list):
            rows[feed] += [{**world[feed][0], **added} for added in change]
        else:
            rows[feed][0] = {**rows[feed][0], **change}
    return rows


def _write_batch(paths: DataPaths, folder: Path, feed: str, rows: list[dict], period: str, submission_id: int,
                 conformer: Conformer) -> None:
    contract = contracts()[feed]
    provider = PLACES[contract.provider_type][0]
    source = paths.root / "files" / f"{provider}_{feed}_{period}.csv"
    source.parent.mkdir(parents=True, exist_ok=True)
    with source.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([c.name for c in contract.columns])
        writer.writerows([[_text(row.get(c.name)) for c in contract.columns] for row in rows])
    parsed = read_submission(source, contract)
    batch = conformer.conform(parsed.table, contract, parsed.layout, provider, period_bounds(period)[1])
    assert batch.errors.num_rows == 0, batch.errors.to_pylist()
    table = batch.table
    n = table.num_rows
    table = (table.append_column("submission_id", pa.array([submission_id] * n, pa.int64()))
             .append_column("provider_code", pa.array([provider] * n, pa.string()))
             .append_column("period", pa.array([period] * n, pa.string())))
    target = folder / feed / f"{submission_id:06d}_{provider}_{feed}_{period}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target)


def broken_rows(rule_id: str, changes: dict, root: Path) -> int:
    """How many rows of the rule's feed break it, in the world with these changes."""
    rule = RULES[rule_id]
    paths = DataPaths(root).ensure()
    world = _changed(CASES["world"], changes)
    earlier = _changed(CASES["world"], changes.get("earlier", {}))
    feeds = {rule.feed, *rule.reads, *(f for _, f in rule.tables())}
    if contracts()[rule.feed].column_by_role("local_child_id") is not None:
        feeds.add("children")
    with Conformer(b"rule cases key " * 3) as conformer:
        for n, feed in enumerate(sorted(feeds)):
            provider_type = contracts()[feed].provider_type
            _, period, before = PLACES[provider_type]
            _write_batch(paths, paths.pending, feed, world[feed], period, 100 + n, conformer)
            if "earlier" in changes:
                _write_batch(paths, paths.current, feed, earlier[feed][:1], before, 10 + n, conformer)
    contract = contracts()[rule.feed]
    batch = pq.read_table(next((paths.pending / rule.feed).glob("*.parquet")))
    flags = rule_flags(batch, contract, paths, [PLACES[contract.provider_type][0]])
    return sum(flags.column(rule.flag).to_pylist())


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    assert set(CASES["cases"]) == set(RULES), set(RULES) ^ set(CASES["cases"])
    for rule_id, case in CASES["cases"].items():
        assert set(case) == {"breaks", "holds"}, rule_id


def test_the_world_breaks_no_rule(tmp_path: Path) -> None:
    for rule_id in RULES:
        assert broken_rows(rule_id, {}, tmp_path / rule_id) == 0, rule_id


@pytest.mark.parametrize("rule_id", sorted(CASES["cases"]))
def test_the_failing_case_breaks_the_rule_and_the_passing_case_does_not(rule_id: str, tmp_path: Path) -> None:
    case = CASES["cases"][rule_id]
    assert broken_rows(rule_id, case["breaks"], tmp_path / "breaks") >= 1
    assert broken_rows(rule_id, case["holds"], tmp_path / "holds") == 0
