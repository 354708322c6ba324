"""The benchmark's measure of what a month changes in mart_indicators through children's characteristics."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from bench.month_churn import CHARACTERISTICS, compare, snapshot

REPOSITORY = Path(__file__).resolve().parents[1]


def test_the_characteristics_are_those_the_mart_reads_of_a_child() -> None:
    sql = (REPOSITORY / "dbt_project" / "models" / "marts" / "mart_indicators.sql").read_text(encoding="utf-8")
    read = set(re.findall(r"\bchildren\.(\w+)", sql)) - {"child_id"}
    assert read == set(CHARACTERISTICS)


def _warehouse(path: Path, children: list[tuple], units: list[tuple]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table dim_children (child_key varchar, "
                    + ", ".join(f"{c} varchar" for c in CHARACTERISTICS) + ")")
        con.executemany(f"insert into dim_children values ({', '.join(['?'] * (len(CHARACTERISTICS) + 1))})",
                        children)
        con.execute("create or replace table units_for_mart_indicators (indicator varchar, period_type varchar, "
                    "quarter_label varchar, child_key varchar, unit_key varchar)")
        con.executemany("insert into units_for_mart_indicators values (?, ?, ?, ?, ?)", units)


def test_only_children_whose_characteristics_changed_count_with_the_cells_of_their_units(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    same = ("F", "RC", "WHITE", "N", "1", "N09000003", "BHSCT")
    units = [("referrals", "quarter", "2024-Q1", "a", "1"), ("referrals", "quarter", "2024-Q2", "b", "2"),
             ("looked_after", "quarter", "2024-Q1", "c", "3"), ("looked_after", "quarter", "2024-Q3", "a", "4")]
    _warehouse(warehouse, [("a", *same), ("b", *same), ("c", *same), ("gone", *same)], units)
    snapshot(warehouse, tmp_path / "before")
    moved = (*same[:5], "N09000001", "NHSCT")
    units_after = [*units, ("referrals", "quarter", "2024-Q4", "a", "5")]
    # a moved house; b's religion is no longer recorded (a value to null); c unchanged; "gone" linked away
    _warehouse(warehouse, [("a", *moved), ("b", same[0], None, *same[2:]), ("c", *same), ("new", *same)],
               units_after)
    churn = compare(warehouse, tmp_path / "before")
    assert (churn.children, churn.changed) == (4, 2)  # a and b; c the same, "gone" and "new" not in both
    assert churn.cells == 5
    assert churn.cells_touched == 4  # a's three cells and b's one, not c's
    assert "2 of 4 children" in churn.describe() and "4 of mart_indicators' 5 cells" in churn.describe()
