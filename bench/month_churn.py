"""What one more month changes in `mart_indicators` through children's characteristics alone.

The mart sets each child's latest characteristics (dim_children) against every period the child has units in.
So building it by cells (indicator and period), as `mart_service_performance` is, would rebuild every cell of
every child whose characteristics the month changed, besides the cells whose units changed. This measures that
first part, to tell whether building the mart by cells could pay: the children present before and after the
month whose characteristics differ, and the cells their units lie in, before or after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.sql_text import literal

# what mart_indicators reads of dim_children (its CTEs described and own_breakdown_cells; a test holds the list)
CHARACTERISTICS = ("sex", "religion", "ethnicity", "disability", "deprivation_quintile", "lgd_code",
                   "trust_of_residence")


@dataclass(frozen=True)
class Churn:
    children: int
    changed: int
    cells: int
    cells_touched: int

    def describe(self) -> str:
        return (f"the month changed the characteristics of {self.changed:,} of {self.children:,} children, whose "
                f"units lie in {self.cells_touched:,} of mart_indicators' {self.cells:,} cells (indicator and period)")


def snapshot(warehouse: Path, folder: Path) -> None:
    """Write each child's characteristics and the cells each child has units in, as Parquet, straight from
    DuckDB (at scale 10 they would not fit well in this process's memory beside the run being measured)."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"copy (select child_key, {', '.join(CHARACTERISTICS)} from dim_children) "
                    f"to {literal(str(folder / 'children.parquet'))} (format parquet)")
        con.execute("copy (select distinct indicator, period_type, quarter_label, child_key "
                    "from units_for_mart_indicators) "
                    f"to {literal(str(folder / 'cells.parquet'))} (format parquet)")


def compare(warehouse: Path, before: Path) -> Churn:
    """The month's churn: ``before`` is a snapshot taken before the month was run, the warehouse is after it."""
    differs = " or ".join(f"b.{c} is distinct from a.{c}" for c in CHARACTERISTICS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"""
            create temp table changed as
            select b.child_key
            from read_parquet({literal(str(before / 'children.parquet'))}) as b
            join dim_children as a on a.child_key = b.child_key
            where {differs}""")
        children = con.execute("select count(*) from dim_children").fetchone()[0]
        changed = con.execute("select count(*) from changed").fetchone()[0]
        cells = con.execute("select count(*) from (select distinct indicator, period_type, quarter_label "
                            "from units_for_mart_indicators)").fetchone()[0]
        touched = con.execute(f"""
            select count(*) from (
                select indicator, period_type, quarter_label from units_for_mart_indicators
                where child_key in (select child_key from changed)
                union
                select indicator, period_type, quarter_label from read_parquet({literal(str(before / 'cells.parquet'))})
                where child_key in (select child_key from changed)
            ) as touched""").fetchone()[0]
    return Churn(children, changed, cells, touched)
