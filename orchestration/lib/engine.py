"""The engine dbt builds the warehouse on, and one way for the rest of the pipeline to read what it built.

``CDW_ENGINE`` chooses it: ``duckdb`` (the default; the warehouse is one DuckDB file) or ``spark`` (dbt's
``spark`` target, a local Spark or a ``spark://`` master; each table is a folder of Parquet files under the
Spark warehouse directory). Everything after dbt (the second line's look-up of failing rows, publication, and
through the published database the extract) reads the warehouse through ``warehouse_reader``: a DuckDB
connection in which the warehouse's tables are attached under the name dbt's compiled SQL gives them (the
database file's stem on DuckDB, the schema ``cdw`` on Spark), so the same queries run whichever engine built it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.lib.settings import DataPaths
from orchestration.lib.sql_text import literal

ENGINE_VARIABLE = "CDW_ENGINE"
ENGINES = ("duckdb", "spark")
SPARK_SCHEMA = "cdw"  # the schema of the profile's spark target: its tables are <warehouse dir>/cdw.db/<table>/


class EngineError(ValueError):
    pass


def engine() -> str:
    """The engine named by ``CDW_ENGINE`` (DuckDB when unset)."""
    name = os.environ.get(ENGINE_VARIABLE, "duckdb").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise EngineError(f"{ENGINE_VARIABLE}={name!r}: the engine must be one of {', '.join(ENGINES)}")
    return name


def dbt_target() -> list[str]:
    """dbt's arguments that choose the engine's target in ``dbt_project/profiles.yml``."""
    return ["--target", engine()]


def spark_tables(paths: DataPaths) -> Path:
    """Where Spark keeps the warehouse's tables (``spark.sql.warehouse.dir`` in the profile, then the schema)."""
    return paths.root / "spark" / "warehouse" / f"{SPARK_SCHEMA}.db"


def spark_relation(folder: Path) -> str:
    """A Spark table's Parquet files as a DuckDB relation (a partitioned table keeps its partition column in the
    folder names, snapshot_date=2024-03-31/)."""
    return f"read_parquet({literal(f'{folder}/**/*.parquet')}, hive_partitioning = true)"


def attach_warehouse(con: duckdb.DuckDBPyConnection, paths: DataPaths) -> str:
    """Attach the warehouse the engine built to ``con``, read only; return the database name it is under."""
    if engine() == "duckdb":
        name = paths.warehouse.stem
        con.execute(f"attach {literal(str(paths.warehouse))} as \"{name}\" (read_only)")
        return name
    con.execute(f"attach ':memory:' as {SPARK_SCHEMA}")
    folder = spark_tables(paths)
    tables = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.exists() else []
    for table in tables:
        if any(table.rglob("*.parquet")):
            con.execute(f'create view {SPARK_SCHEMA}.main."{table.name}" as select * from {spark_relation(table)}')
    return SPARK_SCHEMA


@contextmanager
def warehouse_reader(paths: DataPaths) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """An in-memory DuckDB connection with the warehouse attached, and the name it is attached under."""
    with duckdb.connect() as con:
        yield con, attach_warehouse(con, paths)
