"""The engine comparison (orchestration/lib/parity.py) finds every kind of difference, and only real ones."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lib.parity import compare_relations, compare_warehouses

ROWS = "(values (1, 'a', date '2024-04-01', 0.1 + 0.2), (2, 'b', null, 1.5), (2, 'b', null, 1.5))"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"create table base as select * from {ROWS} as t(id, name, seen_date, rate)")
    return con


def compare_with(con: duckdb.DuckDBPyConnection, changed_sql: str):
    con.execute(f"create or replace table other as {changed_sql}")
    return compare_relations(con, "t", "base", "other")


def test_same_rows_in_another_order_and_type_agree(con: duckdb.DuckDBPyConnection) -> None:
    difference = compare_with(con, "select cast(id as hugeint) as id, name, seen_date, "
                                   "cast(rate as decimal(18, 10)) as rate from base order by id desc")
    assert difference.agrees, difference.describe("left", "right")


def test_last_bits_of_a_float_sum_agree(con: duckdb.DuckDBPyConnection) -> None:
    assert compare_with(con, "select id, name, seen_date, rate + 1e-12 as rate from base").agrees


@pytest.mark.parametrize(("changed_sql", "only_left", "only_right"), [
    ("select id, name, seen_date, rate + 0.001 as rate from base", 3, 3),
    ("select id, case when id = 1 then 'A' else name end as name, seen_date, rate from base", 1, 1),
    ("select id, name, coalesce(seen_date, date '2024-01-01') as seen_date, rate from base", 2, 2),
    ("select distinct * from base", 1, 0),
    ("select * from base union all select * from base where id = 1", 0, 1),
])
def test_a_changed_missing_or_extra_row_is_found(con: duckdb.DuckDBPyConnection, changed_sql: str,
                                                 only_left: int, only_right: int) -> None:
    difference = compare_with(con, changed_sql)
    assert not difference.agrees
    assert (difference.only_left, difference.only_right) == (only_left, only_right)
    assert difference.examples


def test_a_missing_column_is_found(con: duckdb.DuckDBPyConnection) -> None:
    difference = compare_with(con, "select id, name, seen_date from base")
    assert not difference.agrees
    assert "only left ['rate']" in difference.problems[0]


def test_a_table_spark_did_not_write_is_reported(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"create table base as select * from {ROWS} as t(id, name, seen_date, rate)")
        (tmp_path / "spark" / "base").mkdir(parents=True)
        con.execute(f"copy base to '{tmp_path / 'spark' / 'base' / 'part-0.parquet'}' (format parquet)")
    differences = compare_warehouses(database, tmp_path / "spark", ["base", "absent"])
    assert [d.agrees for d in differences] == [True, False]
    assert "no Parquet files" in differences[1].problems[0]


def test_a_partitioned_table_is_read_with_its_partition_column(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"create table base as select * from {ROWS} as t(id, name, seen_date, rate)")
        (tmp_path / "spark").mkdir()
        con.execute(f"copy base to '{tmp_path / 'spark' / 'base'}' (format parquet, partition_by (name))")
        assert not any((tmp_path / "spark" / "base").glob("*.parquet"))  # only in name=a/, name=b/
    (difference,) = compare_warehouses(database, tmp_path / "spark", ["base"])
    assert difference.agrees, difference.describe("left", "right")


def test_sums_rounded_either_side_of_a_boundary_agree_but_real_differences_do_not(
        con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create or replace table base as select * from (values ('a', 592.3630624999996), ('b', 1.0)) "
                "as t(name, mean)")
    assert compare_with(con, "select name, case when name = 'a' then 592.3630625000001 else mean end as mean "
                             "from base").agrees
    difference = compare_with(con, "select name, case when name = 'a' then 592.3630635 else mean end as mean "
                                   "from base")
    assert (difference.only_left, difference.only_right) == (1, 1)
    surplus = compare_with(con, "select * from base union all select 'a', 592.3630625000001")
    assert (surplus.only_left, surplus.only_right) == (0, 1)
