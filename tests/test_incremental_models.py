"""Incremental dbt models (partition replacement): a run rebuilds only the partitions that new submissions carry,
and the result equals a full rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from conftest import land_in_two, run_dbt

from orchestration.cli import main
from orchestration.lib.parity import compare_relations


def _periods(names: list[str], feed: str) -> set[str]:
    return {Path(n).stem.rsplit("_", 1)[1] for n in names if f"_{feed}_" in n}


def test_workforce_snapshots_rebuild_only_new_month_ends_and_equal_a_full_rebuild(
        short_landing: Path, data_dir: Path, tmp_path: Path) -> None:
    landing = data_dir / "landing"
    land_in_two(short_landing, landing, later=False, feed="workforce")
    assert main(["run"]) == 0
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"

    later = _periods(land_in_two(short_landing, tmp_path / "later", later=True, feed="workforce"), "workforce")
    with duckdb.connect(str(warehouse)) as con:
        dates = [d for (d,) in con.execute("select distinct snapshot_date from fct_workforce_snapshots "
                                           "order by 1").fetchall()]
        untouched = next(d for d in dates if d.strftime("%Y-%m") not in later)
        # A mark no rebuild would write: it survives only if this month end is left alone.
        con.execute("update fct_workforce_snapshots set open_cases = -1 where snapshot_date = ?", [untouched])

    land_in_two(short_landing, landing, later=True, feed="workforce")
    assert main(["run"]) == 0

    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(data_dir, rebuilt)
    result = run_dbt(["run", "--full-refresh", "--select", "fct_workforce_snapshots"], rebuilt, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]

    with duckdb.connect(str(warehouse), read_only=True) as con:
        marked = con.execute("select count(*), count(*) filter (where open_cases = -1) from fct_workforce_snapshots "
                             "where snapshot_date = ?", [untouched]).fetchone()
        assert marked[0] > 0 and marked == (marked[0], marked[0]), "an untouched month end was rebuilt"
        new_months = con.execute("select count(distinct snapshot_date) from fct_workforce_snapshots "
                                 "where strftime(snapshot_date, '%Y-%m') in (select unnest(?))",
                                 [sorted(later)]).fetchone()[0]
        assert new_months == len(later) > 0
        con.execute(f"attach '{rebuilt / 'warehouse' / 'warehouse.duckdb'}' as rebuilt (read_only)")
        where = f"where snapshot_date <> date '{untouched}'"
        difference = compare_relations(con, "fct_workforce_snapshots",
                                       f"(select * from main.fct_workforce_snapshots {where})",
                                       f"(select * from rebuilt.main.fct_workforce_snapshots {where})")
        assert difference.agrees, difference.describe("incremental", "full rebuild")
        assert con.execute(f"select count(*) from rebuilt.main.fct_workforce_snapshots "
                           f"where snapshot_date = date '{untouched}' and open_cases = -1").fetchone()[0] == 0
