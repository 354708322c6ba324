"""Row-for-row comparison of the warehouse as built by two engines (DuckDB and Spark), or of two builds.

The same dbt models run on both; this says whether they produced the same tables (and, for two DuckDB
publications, whether a run recovered from a crash published what an uninterrupted run did). Each table is compared as a
multiset of rows (`except all` both ways), after putting each column into one engine-neutral form: numbers as
doubles (Spark's decimals and DuckDB's hugeints differ in type, not value), dates and timestamps as themselves,
everything else as text. Sums of fractions added in another order differ in the last bits, so a row left over
on one side still agrees if a row left over on the other has the same exact columns and fractional numbers
within `RELATIVE_TOLERANCE`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.engine import spark_relation
from orchestration.lib.sql_text import literal

RELATIVE_TOLERANCE = 1e-9
EXAMPLES = 3
FRACTIONAL = ("FLOAT", "DOUBLE", "DECIMAL")
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
           "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


@dataclass
class TableDifference:
    """What differs in one table; empty lists and zero counts when the engines agree."""

    table: str
    problems: list[str] = field(default_factory=list)
    only_left: int = 0
    only_right: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.problems and not self.only_left and not self.only_right

    def describe(self, left: str, right: str) -> str:
        lines = [f"{self.table}:", *(f"  {problem}" for problem in self.problems)]
        if self.only_left or self.only_right:
            lines.append(f"  {self.only_left} row(s) only in {left}, {self.only_right} row(s) only in {right}")
            lines.extend(f"  {example}" for example in self.examples)
        return "\n".join(lines)


def _neutral(column: str, data_type: str) -> str:
    quoted = f'"{column}"'
    base = data_type.split("(")[0].upper()
    if base in NUMERIC:
        return f"cast({quoted} as double) as {quoted}"
    if base in ("DATE", "BOOLEAN") or base.startswith("TIMESTAMP"):
        return quoted
    return f"cast({quoted} as varchar) as {quoted}"


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    described = con.execute(f"describe select * from {relation}").fetchall()
    return {row[0].lower(): row[1] for row in described}


def compare_relations(con: duckdb.DuckDBPyConnection, table: str, left: str, right: str) -> TableDifference:
    """Compare two relations readable by `con` (a table name, or `read_parquet(...)`) row for row."""
    difference = TableDifference(table)
    left_columns, right_columns = _columns(con, left), _columns(con, right)
    if set(left_columns) != set(right_columns):
        missing = sorted(set(left_columns) - set(right_columns))
        extra = sorted(set(right_columns) - set(left_columns))
        difference.problems.append(f"columns differ: only left {missing}, only right {extra}")
        return difference
    order = sorted(left_columns)
    left_select = ", ".join(_neutral(column, left_columns[column]) for column in order)
    right_select = ", ".join(_neutral(column, right_columns[column]) for column in order)
    con.execute(f"create or replace temp table parity_left as select {left_select} from {left}")
    con.execute(f"create or replace temp table parity_right as select {right_select} from {right}")
    con.execute("create or replace temp table parity_only_left as "
                "select * from parity_left except all select * from parity_right")
    con.execute("create or replace temp table parity_only_right as "
                "select * from parity_right except all select * from parity_left")
    fractional = [c for c in order
                  if {left_columns[c].split("(")[0].upper(), right_columns[c].split("(")[0].upper()} & set(FRACTIONAL)]
    left_over = {side: con.execute(f"select count(*) from parity_only_{side}").fetchone()[0]
                 for side in ("left", "right")}
    for side, other in (("left", "right"), ("right", "left")):
        unmatched = _without_close_partner(order, fractional, f"parity_only_{side}", f"parity_only_{other}")
        count = con.execute(f"select count(*) from ({unmatched})").fetchone()[0]
        # a close partner is not paired off, so a surplus of rows on one side counts however close they are
        setattr(difference, f"only_{side}", max(count, left_over[side] - left_over[other]))
        for row in con.execute(f"{unmatched} limit {EXAMPLES}").fetchall():
            difference.examples.append(f"only {side}: {dict(zip(order, row, strict=True))}")
    return difference


def _without_close_partner(order: list[str], fractional: list[str], rows: str, others: str) -> str:
    """The rows with no row among the others that has the same exact columns and close fractional ones."""
    same = [f'a."{c}" is not distinct from b."{c}"' for c in order if c not in fractional]
    close = [f'(a."{c}" is not distinct from b."{c}" or abs(a."{c}" - b."{c}") <= {RELATIVE_TOLERANCE} '
             f'* greatest(1, abs(a."{c}")))' for c in fractional]
    condition = " and ".join(same + close) or "true"
    return f"select * from {rows} as a where not exists (select 1 from {others} as b where {condition})"


def compare_warehouses(duckdb_path: Path, spark_warehouse: Path, tables: list[str]) -> list[TableDifference]:
    """Compare each table of the DuckDB warehouse with the Parquet files Spark wrote for it (partitioned or not)."""
    differences = []
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        for table in tables:
            folder = spark_warehouse / table
            if not any(folder.rglob("*.parquet")):
                differences.append(TableDifference(table, [f"Spark wrote no Parquet files in {folder}"]))
                continue
            differences.append(compare_relations(con, table, f'main."{table}"', spark_relation(folder)))
    return differences


def compare_databases(left: Path, right: Path, tables: list[str]) -> list[TableDifference]:
    """Compare each table of two DuckDB databases (two publications) row for row."""
    with duckdb.connect() as con:
        con.execute(f"attach {literal(str(left))} as left_db (read_only)")
        con.execute(f"attach {literal(str(right))} as right_db (read_only)")
        return [compare_relations(con, table, f'left_db.main."{table}"', f'right_db.main."{table}"')
                for table in tables]
