"""The scale-out engine: `dbt build` on Spark from the same Parquet batches gives the same warehouse as DuckDB.

Run by `make spark-check` (pytest -m spark), not by `make test`: it starts a local Spark (pyspark, Java 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import demo_pipeline_env, land_workforce_in_two, run_dbt

from orchestration.cli import main
from orchestration.lib.parity import compare_warehouses

pytestmark = pytest.mark.spark


def _dbt_build_on_spark(root: Path) -> None:
    result = run_dbt(["build", "--target", "spark"], root, root / "spark")
    assert result.returncode == 0, f"dbt build on Spark failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def both_engines(small_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pipeline on DuckDB and `dbt build --target spark` on the batches it accepted, twice: before and after
    the last month's workforce files land, so that the second Spark build runs the incremental models'
    partition replacement (insert_overwrite) and not only their first, full build."""
    root = tmp_path_factory.mktemp("parity") / "data"
    with demo_pipeline_env(root):
        for later in (False, True):
            assert land_workforce_in_two(small_landing, root / "landing", later=later)
            assert main(["run"]) == 0
            _dbt_build_on_spark(root)
    return root


def test_dbt_build_on_spark_ran_every_test(both_engines: Path) -> None:
    log = (both_engines / "spark" / "logs" / "dbt.log").read_text()
    assert "insert overwrite table" in log and "fct_workforce_snapshots" in log, "no incremental build on Spark"
    results = json.loads((both_engines / "spark" / "target" / "run_results.json").read_text())["results"]
    by_kind: dict[str, int] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0) + 1
        # an exposure (the published database, the extract) is nothing to build: dbt reports it as a no-op
        allowed = ("success", "pass", "no-op") if kind == "exposure" else ("success", "pass")
        assert result["status"] in allowed, f"{result['unique_id']}: {result['status']}"
    assert by_kind.get("model", 0) > 40 and by_kind.get("test", 0) > 100 and by_kind.get("unit_test", 0) > 5
    assert by_kind.get("exposure", 0) == 2


def test_every_table_matches_duckdb_row_for_row(both_engines: Path) -> None:
    manifest = json.loads((both_engines / "spark" / "target" / "manifest.json").read_text())
    tables = sorted(node["name"] for node in manifest["nodes"].values()
                    if node["resource_type"] == "model" and node["config"]["materialized"] != "view")
    assert "mart_indicators" in tables and len(tables) > 40
    differences = compare_warehouses(both_engines / "warehouse" / "warehouse.duckdb",
                                     both_engines / "spark" / "warehouse" / "cdw.db", tables)
    disagreeing = [d.describe("DuckDB", "Spark") for d in differences if not d.agrees]
    assert not disagreeing, "\n".join(disagreeing)
