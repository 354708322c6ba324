"""The engine setting, and reading a warehouse Spark built (its Parquet tables) as the rest of the pipeline does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.cli import main
from orchestration.lib.engine import ENGINE_VARIABLE, EngineError, dbt_target, engine, spark_tables, warehouse_reader
from orchestration.lib.publish import publish
from orchestration.lib.settings import DataPaths


def test_the_engine_is_duckdb_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    assert engine() == "duckdb" and dbt_target() == ["--target", "duckdb"]
    monkeypatch.setenv(ENGINE_VARIABLE, " Spark ")
    assert engine() == "spark" and dbt_target() == ["--target", "spark"]
    monkeypatch.setenv(ENGINE_VARIABLE, "postgres")
    with pytest.raises(EngineError, match=r"CDW_ENGINE='postgres'.*duckdb, spark"):
        engine()


def test_cdw_run_refuses_an_unknown_engine_before_anything_is_read(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv(ENGINE_VARIABLE, "postgres")
    assert main(["run"]) == 2
    assert "CDW_ENGINE='postgres'" in capsys.readouterr().err
    assert not DataPaths(data_dir).registry.exists()


def _spark_table(paths: DataPaths, name: str, table: pa.Table, partition: str | None = None) -> None:
    folder = spark_tables(paths) / name
    if partition is None:
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "part-00000.parquet")
    else:
        pq.write_to_dataset(table, folder, partition_cols=[partition])


def test_a_spark_warehouse_is_read_and_published_like_a_duckdb_one(data_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark's tables (Parquet folders, partitioned or not) are attached under the schema dbt's compiled SQL names,
    and publication copies the dimensions, facts and marts among them, nothing else."""
    monkeypatch.setenv(ENGINE_VARIABLE, "spark")
    paths = DataPaths(data_dir)
    _spark_table(paths, "dim_areas", pa.table({"area_code": ["N09000003", "N09000004"], "name": ["Belfast", "Armagh"]}))
    _spark_table(paths, "fct_workforce_snapshots",
                 pa.table({"provider_code": ["BHSCT", "NHSCT", "BHSCT"],
                           "posts": [10, 12, 11],
                           "snapshot_date": [dt.date(2024, 3, 31), dt.date(2024, 3, 31), dt.date(2024, 4, 30)]}),
                 partition="snapshot_date")
    _spark_table(paths, "stg_referrals", pa.table({"referral_id": ["x"]}))
    (spark_tables(paths) / "mart_never_built").mkdir()  # a folder without Parquet files is no table

    with warehouse_reader(paths) as (con, name):
        assert name == "cdw"
        assert con.execute("select count(*) from cdw.fct_workforce_snapshots where snapshot_date = '2024-03-31'"
                           ).fetchone() == (2,)
        assert con.execute("select sum(posts) from cdw.main.fct_workforce_snapshots").fetchone() == (33,)

    counts = publish(paths, "run-1", [], {"dim_areas": {"description": "Areas.", "columns": {"name": "Its name."}}})
    assert counts == {"dim_areas": 2, "fct_workforce_snapshots": 3}
    with duckdb.connect(str(paths.published), read_only=True) as con:
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        assert tables == {"dim_areas", "fct_workforce_snapshots", "publication_runs", "publication_batches"}
        assert con.execute("select comment from duckdb_tables() where table_name = 'dim_areas'").fetchone() == (
            "Areas.",)
        assert con.execute("select max(snapshot_date) from fct_workforce_snapshots").fetchone() == (
            dt.date(2024, 4, 30),)


def test_publication_works_under_its_own_memory_cap(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Publication's DuckDB runs inside `cdw run`: it is capped (CDW_PUBLISH_MEMORY_LIMIT), not left to take 80%
    of the machine, and publishes under the cap."""
    from orchestration.lib import publish as publication

    opened: list[dict] = []
    connect = duckdb.connect

    def recording_connect(database: str = ":memory:", **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(dict(kwargs.get("config") or {}))
        return connect(database, **kwargs)

    monkeypatch.setattr(publication.duckdb, "connect", recording_connect)
    monkeypatch.setenv(ENGINE_VARIABLE, "spark")
    paths = DataPaths(data_dir)
    _spark_table(paths, "dim_areas", pa.table({"area_code": ["N09000003"], "name": ["Belfast"]}))
    monkeypatch.delenv("CDW_PUBLISH_MEMORY_LIMIT", raising=False)
    assert publish(paths, "run-1", []) == {"dim_areas": 1}
    monkeypatch.setenv("CDW_PUBLISH_MEMORY_LIMIT", "300MB")
    assert publish(paths, "run-2", []) == {"dim_areas": 1}
    assert [config.get("memory_limit") for config in opened] == ["2GB", "300MB"]
    with duckdb.connect(str(paths.published), read_only=True) as con:
        assert con.execute("select run_id from publication_runs").fetchone() == ("run-2",)
