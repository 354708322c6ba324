"""The scale-out engine end to end: the same Dagster job with ``CDW_ENGINE=spark`` publishes the same tables and
the Commissioner's extract writes the same four files as on DuckDB.

Run by `make spark-check` (pytest -m spark), not by `make test`: it starts a local Spark (pyspark, Java 17)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import demo_pipeline_env, land_in_two, run_dbt

from orchestration.cli import main
from orchestration.lib.engine import spark_tables
from orchestration.lib.parity import compare_databases, compare_warehouses
from orchestration.lib.settings import DataPaths

pytestmark = pytest.mark.spark

QUARTER = "2024-Q4"
EXTRACT_FILES = ("indicators.csv", "indicators.xlsx", "manifest.json", "metadata.csv")
# what names the run that built a publication and when, not what it holds
RUN_FIELDS = ("run_id", "published_at", "created")


@pytest.fixture(scope="module")
def both_engines(small_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`cdw run` on each engine from the same submissions, twice (before and after the last month's files land,
    so that the second build of each engine is incremental: Spark replaces the partitions of the incremental models
    with `insert overwrite`, and the month completes a quarter, a new reporting period), then `cdw extract` for one
    quarter; each engine's data root."""
    roots = {}
    for engine in ("duckdb", "spark"):
        root = tmp_path_factory.mktemp(engine) / "data"
        with demo_pipeline_env(root) as patch:
            patch.setenv("CDW_ENGINE", engine)
            for later in (False, True):
                assert land_in_two(small_landing, root / "landing", later=later)
                assert main(["run"]) == 0, f"cdw run on {engine} failed"
            assert main(["extract", "--quarter", QUARTER]) == 0, f"cdw extract on {engine} failed"
        roots[engine] = root
    return roots


def _last_dbt_run(root: Path) -> Path:
    return sorted((DataPaths(root).dbt_runs).iterdir())[-1]


def test_the_job_built_on_spark_and_ran_every_test(both_engines: dict[str, Path]) -> None:
    root = both_engines["spark"]
    for model in ("fct_workforce_snapshots", "ind_referrals", "ind_looked_after"):
        ran = [p.read_text() for p in (_last_dbt_run(root) / "run").rglob(f"{model}.sql")]
        assert ran and "insert overwrite table" in ran[0], f"Spark's second build did not replace {model}'s partitions"
    assert any(spark_tables(DataPaths(root)).glob("mart_indicators/*.parquet")), "Spark wrote no mart"
    assert not (root / "warehouse" / "warehouse.duckdb").exists(), "the Spark run built a DuckDB warehouse"
    results = json.loads((_last_dbt_run(root) / "run_results.json").read_text())["results"]
    by_kind: dict[str, int] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0) + 1
        # an exposure (the published database, the extract) is nothing to build: dbt reports it as a no-op
        allowed = ("success", "pass", "no-op") if kind == "exposure" else ("success", "pass")
        assert result["status"] in allowed, f"{result['unique_id']}: {result['status']}"
    assert by_kind.get("model", 0) > 40 and by_kind.get("test", 0) > 100 and "unit_test" not in by_kind
    assert by_kind.get("exposure", 0) == 2
    assert not (both_engines["duckdb"] / "spark").exists(), "the DuckDB run started Spark"


def test_the_dbt_unit_tests_pass_on_spark(both_engines: dict[str, Path], tmp_path: Path) -> None:
    """A run builds without dbt's unit tests (``orchestration/defs/dbt.py``), so they run here on Spark, on the
    warehouse the Spark run built (where Spark SQL and DuckDB differ, the portable macros choose: these check both)."""
    result = run_dbt(["test", "--select", "test_type:unit", "--target", "spark"], both_engines["spark"], tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) > 40 and all(r["status"] == "pass" for r in unit_tests)


def test_every_warehouse_table_matches_duckdb_row_for_row(both_engines: dict[str, Path]) -> None:
    """Staging and intermediate tables too, not only what is published."""
    manifest = json.loads((_last_dbt_run(both_engines["spark"]) / "manifest.json").read_text())
    # indicator_inputs_as_built holds hashes of each engine's own text forms, compared only within an engine
    tables = sorted(node["name"] for node in manifest["nodes"].values()
                    if node["resource_type"] == "model" and node["config"]["materialized"] != "view"
                    and node["name"] != "indicator_inputs_as_built")
    assert "mart_indicators" in tables and len(tables) > 40
    differences = compare_warehouses(DataPaths(both_engines["duckdb"]).warehouse,
                                     spark_tables(DataPaths(both_engines["spark"])), tables)
    disagreeing = [d.describe("DuckDB", "Spark") for d in differences if not d.agrees]
    assert not disagreeing, "\n".join(disagreeing)


def _columns(published: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute("select table_name, column_name, data_type from information_schema.columns").fetchall()
    return {(table, column): data_type for table, column, data_type in rows}


def test_the_published_databases_hold_the_same_tables_row_for_row(both_engines: dict[str, Path]) -> None:
    left, right = (DataPaths(both_engines[engine]).published for engine in ("duckdb", "spark"))
    columns = _columns(left)
    assert columns == _columns(right), "the two publications' tables, columns or column types differ"
    tables = sorted({table for table, _ in columns if not table.startswith("publication_")})
    assert "mart_indicators" in tables and len(tables) > 20
    differences = compare_databases(left, right, tables)
    disagreeing = [d.describe("DuckDB", "Spark") for d in differences if not d.agrees]
    assert not disagreeing, "\n".join(disagreeing)


def _extract(root: Path) -> Path:
    return DataPaths(root).outbox / "niccy" / QUARTER


def _cells(workbook: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(workbook)
    return {sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book.worksheets}


def test_the_extracts_four_files_are_the_same(both_engines: dict[str, Path]) -> None:
    left, right = (_extract(both_engines[engine]) for engine in ("duckdb", "spark"))
    assert sorted(p.name for p in left.iterdir() if p.is_file()) == sorted(EXTRACT_FILES)
    assert sorted(p.name for p in right.iterdir() if p.is_file()) == sorted(EXTRACT_FILES)
    for name in ("indicators.csv", "metadata.csv"):
        duck_rows = (left / name).read_text(encoding="utf-8").splitlines()
        spark_rows = (right / name).read_text(encoding="utf-8").splitlines()
        assert len(duck_rows) > 10, f"{name}: too few rows to compare"
        different = [(n, a, b) for n, (a, b) in enumerate(zip(duck_rows, spark_rows, strict=False), 1) if a != b]
        assert len(duck_rows) == len(spark_rows) and not different, \
            f"{name}: {len(duck_rows)} and {len(spark_rows)} rows; first differences {different[:3]}"
    assert _cells(left / "indicators.xlsx") == _cells(right / "indicators.xlsx")
    manifests = [json.loads((folder / "manifest.json").read_text(encoding="utf-8")) for folder in (left, right)]
    runs = [{field: manifest.pop(field) for field in RUN_FIELDS} for manifest in manifests]
    assert runs[0]["run_id"] != runs[1]["run_id"], "both extracts came from one publication"
    assert manifests[0] == manifests[1]
