"""Evaluate the catalogue's row rules on batches, against the providers' current state in the warehouse.

A rule may look beyond its own row: at the same child's other records, at the episode a placement belongs
to, at what the provider sent before. It reads them as tables of one DuckDB connection:

- ``state_<feed>``: every version of each record of these providers, from their accepted batches and the
  batches pending in this run (a placement may arrive in the same run as its episode). A feed with no batch
  yet is an empty table with its columns.
- ``accepted_<feed>``: the same from the accepted batches only (what the provider sent before this run).
- ``ref_teams``: the teams list the warehouse ships.

A row is checked against the state as at its own period: a rule's ``from state_<feed> o where`` reads, for
each record, the version the provider had sent by the row's period (the latest of those periods), and never
a deleted one. So January's placement is not compared with the episode as March left it, when a provider's
months arrive together.

Each rule becomes a boolean column ``breaks__<id>`` of the batch's rows; the quality gate hands the columns to
Great Expectations, which decides. Only the tables the feed's rules read are built.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections import OrderedDict

import duckdb
import pandas as pd
import pyarrow as pa

from orchestration.lib.catalogue import TABLE_READ, RowRule, load_catalogue
from orchestration.lib.conform import empty_batch
from orchestration.lib.memory import droppable_cache
from orchestration.lib.parse import period_bounds
from orchestration.lib.settings import SEEDS_DIR, DataPaths
from orchestration.lib.sql_text import literal, literal_list, literals
from sources.contract import Contract, contracts

MACROS = (
    # The youngest and the oldest a child born in the month can be on the day, in whole years.
    "create or replace macro age_min(birth_month, day) as datesub('year', last_day(birth_month), day)",
    "create or replace macro age_max(birth_month, day) as datesub('year', birth_month, day)",
    "create or replace macro open_end(day) as coalesce(day, date '9999-12-31')",
)


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory database per process holding the macros; each evaluation works in a cursor of its own
    (opening a database and creating the macros costs more than evaluating a small batch's rules)."""
    database = duckdb.connect()
    for statement in MACROS:
        database.execute(statement)
    return database


def _files(paths: DataPaths, feed: str, pending: bool, providers: list[str]) -> list[str]:
    """The providers' batches of the feed (a batch file is named ``<id>_<provider>_<feed>_<period>.parquet``)."""
    folders = [paths.current / feed] + ([paths.pending / feed] if pending else [])
    wanted = set(providers)
    return sorted(str(p) for folder in folders if folder.exists() for p in folder.glob("*.parquet")
                  if p.name.split("_", 2)[1] in wanted)


# State tables of recent gate calls, by what they were made from (files and their modification times): when one
# process gates a Trust's feeds one after another (``cdw run``), its children are read once, not seven times.
# Bounded in bytes, so that a large region's states do not pile up in memory.
_STATE_CACHE: OrderedDict[tuple, pa.Table] = OrderedDict()
STATE_CACHE_BYTES = 256 << 20
_STATE_LOCK = threading.Lock()


@droppable_cache
def forget_states() -> None:
    """Empty the cache of state tables (once the gate is done, nothing reads them)."""
    with _STATE_LOCK:
        _STATE_CACHE.clear()


def _state_table(con: duckdb.DuckDBPyConnection, contract: Contract, files: list[str], providers: list[str],
                 columns: list[str], rows: pa.Table | None) -> pa.Table:
    """Every version of each record of these providers (from ``files``, and ``rows`` where there is no data
    root: the batches validated are then the only state there is), each with the period it was sent in
    (``_from``), the period of the next version (``_to``, empty for the latest) and whether it is active."""
    key = None
    if rows is None:
        key = (contract.feed, tuple(providers), tuple(columns), tuple((f, os.stat(f).st_mtime_ns) for f in files))
        with _STATE_LOCK:
            if key in _STATE_CACHE:
                _STATE_CACHE.move_to_end(key)
                return _STATE_CACHE[key]
    listed = ", ".join(columns)
    con.register("_empty", empty_batch(contract.feed))
    sources = [f"select {listed} from _empty"]
    if files:
        sources.append(f"select {listed} from read_parquet({literal_list(files)}, union_by_name = true)")
    if rows is not None:
        con.register("_rows", rows)
        sources.append(f"select {listed} from _rows")
    record_key = ", ".join(contract.batch_key)
    active = "coalesce(record_status, 'active') <> 'deleted'" if "record_status" in columns else "true"
    table = con.sql(
        f"select *, period as _from, "
        f"lead(period) over (partition by provider_code, {record_key} order by period, submission_id) as _to, "
        f"{active} as _active from ({' union all by name '.join(sources)}) "
        f"where provider_code in ({literals(providers) or 'null'})").to_arrow_table()
    if key is not None:
        with _STATE_LOCK:
            _STATE_CACHE[key] = table
            while sum(t.nbytes for t in _STATE_CACHE.values()) > STATE_CACHE_BYTES and len(_STATE_CACHE) > 1:
                _STATE_CACHE.popitem(last=False)
    return table


def _create_state(con: duckdb.DuckDBPyConnection, name: str, contract: Contract, files: list[str],
                  providers: list[str], wanted: set[str], rows: pa.Table | None = None) -> None:
    """``name``: the feed's state table (see ``_state_table``), reading only the ``wanted`` columns and those
    that place a version."""
    has_status = "record_status" in {c.name for c in contract.columns}
    columns = sorted({*wanted, *contract.batch_key, "provider_code", "period", "submission_id",
                      *(["record_status"] if has_status else [])})
    con.register(name, _state_table(con, contract, files, providers, columns, rows))


def as_at_row_period(sql: str) -> str:
    """A rule's SQL with every ``from state_<feed> <alias> where`` (or ``accepted_``) limited to the version of
    each record current at the row's period, and active."""
    return TABLE_READ.sub(lambda m: f"{m.group(0)} {m.group(3)}._from <= b.period and "
                               f"({m.group(3)}._to is null or {m.group(3)}._to > b.period) and "
                               f"{m.group(3)}._active and", sql)


def _periods(table: pa.Table) -> pa.Table:
    periods = sorted(set(table.column("period").to_pylist()))
    bounds = [period_bounds(str(p)) for p in periods]
    return pa.table({"period": pa.array(periods, pa.string()),
                     "period_start": pa.array([b[0] for b in bounds], pa.date32()),
                     "period_end": pa.array([b[1] for b in bounds], pa.date32())})


def rule_flags(table: pa.Table, contract: Contract, paths: DataPaths | None, providers: list[str]) -> pa.Table:
    """For each row of the batches (in their order): the context columns rules read (the period's bounds, the
    child's month of birth) and one ``breaks__<id>`` column per catalogue rule of the feed."""
    rules = load_catalogue().row_rules(contract.feed)
    has_birth = contract.column_by_role("date_of_birth") is not None
    needs_children = not has_birth and contract.column_by_role("local_child_id") is not None
    tables: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        for table_name, read in rule.columns_read().items():
            tables.setdefault(table_name, set()).update(read)
    if needs_children:
        tables.setdefault(("state", "children"), set()).update({"child_ref", "birth_month"})
    with _database().cursor() as con:  # its own temporary tables, the database's macros
        con.register("batch", table.append_column("_i", pa.array(range(table.num_rows), pa.int64())))
        con.register("periods", _periods(table))
        for (kind, feed), wanted in sorted(tables.items()):
            files = _files(paths, feed, kind == "state", providers) if paths is not None else []
            alone = paths is None and kind == "state" and feed == contract.feed
            _create_state(con, f"{kind}_{feed}", contracts()[feed], files, providers, wanted,
                          table if alone else None)
        if any("ref_teams" in r.breaks for r in rules):
            teams = literal(str(SEEDS_DIR / "ref_teams.csv"))
            con.execute(f"create temp table ref_teams as select * from read_csv({teams}, all_varchar = true)")
        birth = "batch.birth_month" if has_birth else "children.birth_month" if needs_children else "null::date"
        join = ("left join state_children children on children.provider_code = batch.provider_code "
                "and children.child_ref = batch.child_ref and children._from <= batch.period "
                "and (children._to is null or children._to > batch.period) and children._active"
                ) if needs_children else ""
        own = set(table.column_names)
        read = {c for rule in rules for c in re.findall(r"\bb\.([a-z_]+)\b", rule.breaks)} & own
        kept = ", ".join(f"batch.{c}" for c in sorted(read | {"provider_code", "period", "_i"}
                                                      | ({"record_status"} & own)))
        con.execute(f"create temp table b as select {kept}, periods.period_start, periods.period_end, "
                    f"cast({birth} as date) as child_birth_month from batch join periods using (period) {join}")
        columns = set(table.column_names)
        checked = "coalesce(b.record_status, 'active') <> 'deleted'" if "record_status" in columns else "true"
        flags = "".join(f", coalesce({checked} and ({as_at_row_period(rule.breaks)}), false) as {rule.flag}"
                        for rule in rules)
        return con.sql(f"select b.period_start, b.period_end, b.child_birth_month{flags} from b order by b._i"
                       ).to_arrow_table()


def rule_values(row: pd.Series, rule: RowRule, contract: Contract) -> str:
    """The values of a rule's columns in one row, for the error report (restricted). Columns that never leave
    ingest (names, dates of birth, the provider's own ids) show what the batch holds instead, or nothing."""
    shown = []
    by_name = {c.name: c for c in contract.columns}
    for name in rule.columns:
        column = by_name[name]
        if column.is_record_id or column.role == "local_child_id":
            shown.append(f"{name}: (see the file's row)")
        elif column.role == "date_of_birth":
            shown.append(f"month of birth {_text(row.get('birth_month'))}")
        else:
            shown.append(f"{name}: {_text(row.get(name))}")
    if "child_birth_month" in rule.breaks and contract.column_by_role("date_of_birth") is None:
        shown.append(f"child's month of birth {_text(row.get('child_birth_month'))}")
    return "; ".join(shown)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if hasattr(value, "date") and callable(value.date):
        return str(value.date())
    return str(value)
