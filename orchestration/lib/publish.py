"""Publication: the analysts' read-only database, built as a new file and swapped in atomically.

Only dimensions, facts and marts are copied (no staging, no intermediate
models, nothing from the restricted zone), each with its dbt description as a
table and column comment, plus a record of the run and the batches it was
built from. The new file is written beside the old one and renamed over it,
so a crash at any moment leaves either the old database or the new one.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import duckdb

from orchestration.lib.engine import attach_warehouse
from orchestration.lib.settings import DataPaths
from orchestration.lib.sql_text import literal

PUBLISHED_PREFIXES = ("dim_", "fct_", "mart_")


def _memory_limit() -> str:
    """Publication's DuckDB memory cap (``CDW_PUBLISH_MEMORY_LIMIT``, 2 GB unless set). It works inside `cdw run`;
    uncapped, DuckDB takes up to 80% of the machine, and copying scale 30's tables took `cdw run` to 5.78 GiB, the
    run's peak. Past the cap it spills beside the new file, and the spill goes when the file is closed."""
    return os.environ.get("CDW_PUBLISH_MEMORY_LIMIT", "2GB")


def published_tables(con: duckdb.DuckDBPyConnection, warehouse: str) -> list[str]:
    """The warehouse's dimensions, facts and marts (tables, or on Spark the views over their Parquet files)."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'main' "
        "order by table_name", [warehouse]).fetchall()
    return [name for (name,) in rows if name.startswith(PUBLISHED_PREFIXES)]


def publish(paths: DataPaths, run_id: str, batches: list[dict],
            descriptions: dict[str, dict] | None = None) -> dict[str, int]:
    """Copy the publishable tables of the warehouse (whichever engine built it) into a new database and rename it
    over the published one."""
    descriptions = descriptions or {}
    published_path = paths.published
    published_path.parent.mkdir(parents=True, exist_ok=True)
    staging = published_path.with_name(f".{published_path.name}.{run_id}.building")
    staging.unlink(missing_ok=True)
    con = duckdb.connect(str(staging), config={"memory_limit": _memory_limit()})
    counts: dict[str, int] = {}
    try:
        warehouse = attach_warehouse(con, paths)
        for table in published_tables(con, warehouse):
            con.execute(f'create table main."{table}" as select * from "{warehouse}".main."{table}"')
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
            model = descriptions.get(table, {})
            if model.get("description"):
                con.execute(f'comment on table main."{table}" is {literal(model["description"])}')
            for column, text in model.get("columns", {}).items():
                if text:
                    con.execute(f'comment on column main."{table}"."{column}" is {literal(text)}')
        con.execute(f'detach "{warehouse}"')
        con.execute("create table publication_runs (run_id varchar, published_at timestamp, tables json)")
        con.execute("insert into publication_runs values (?, ?, ?)",
                    [run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), json.dumps(counts)])
        con.execute("comment on table publication_runs is 'The run that built this publication and its tables.'")
        con.execute("create table publication_batches (submission_id bigint, provider_code varchar, feed varchar, "
                    "period varchar, checksum varchar, received_at varchar)")
        if batches:
            con.executemany("insert into publication_batches values (?, ?, ?, ?, ?, ?)",
                            [[b["submission_id"], b["provider"], b["feed"], b["period"], b["checksum"],
                              b["received_at"]] for b in batches])
        con.execute("comment on table publication_batches is "
                    "'The accepted submissions (batches) this publication was built from.'")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(staging, published_path)
    return counts
