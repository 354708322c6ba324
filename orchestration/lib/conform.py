"""Type, check and pseudonymise a parsed submission in one vectorised DuckDB pass.

Everything here follows from the feed's contract: each column's type, code
list (with its legacy v0 codes), required flag and minimum become SQL
expressions, and every cell that breaks one becomes a row of the error report
(row, column, value, rule). Identifying columns (spec section 5) are replaced
by pseudonymous keys and coarse derivations before anything is written, and the
provider's own record ids by keyed hashes under their own names.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.lib.parse import ROW_NUMBER
from orchestration.lib.pseudonymise import hmac_sql, normalised_postcode_sql, normalised_text_sql, valid_hcn_sql
from orchestration.lib.settings import SEEDS_DIR
from orchestration.lib.sql_text import literal
from sources.contract import Column, Contract, code_lists, contracts

DATE_FORMATS = {"v1": "%Y-%m-%d", "v0": "%d/%m/%Y"}
# C0 and C1 control characters and DEL (NUL among them): never part of a value, and a NUL makes a second
# record of one id. Tabs and line breaks inside a quoted cell are refused too: no field of the spec holds them.
CONTROL_CHARACTERS = "[\\x00-\\x1f\\x7f-\\x9f]"


# The identifiers kept in the restricted zone for each record naming a child (``Batch.identities``), and their
# types: the batch never carries them.
IDENTITY_FIELDS = {"date_of_birth": pa.date32(), "forename": pa.string(), "surname": pa.string(),
                   "postcode": pa.string(), "hcn": pa.string()}
RESTRICTED = {field: f"_restricted_{field}" for field in IDENTITY_FIELDS}


@dataclass(frozen=True)
class Batch:
    table: pa.Table  # pseudonymised, typed rows
    errors: pa.Table  # one row per broken cell: row, column, value, rule
    # Restricted: each row's person (contract.person_ref) with the full date of birth, the normalised names and
    # postcode and the valid HCN (``IDENTITY_FIELDS``), for exact ages at events and linkage; None for a feed whose
    # records name no child. Never written outside the restricted zone.
    identities: pa.Table | None = None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raw(col: Column) -> str:
    return f"nullif(trim(raw.{_q(col.name)}), '')"


def _code_case(expr: str, code_list: str, layout: str) -> str:
    """Map a provided code (v1 code, case-insensitively, or the v0 number) to the v1 code; NULL if unknown."""
    whens = []
    for code in code_lists()[code_list]:
        accepted = [code.v0] if layout == "v0" and code.v0 is not None else [code.code.upper()]
        whens += [f"when {literal(a)} then {literal(code.code)}" for a in accepted]
    return f"case upper({expr}) {' '.join(whens)} end"


def typed_sql(col: Column, layout: str) -> str:
    raw = _raw(col)
    if col.type == "date":
        return f"cast(try_strptime({raw}, {literal(DATE_FORMATS[layout])}) as date)"
    if col.type == "code":
        return _code_case(raw, col.code_list or "", layout)
    if col.type == "codes":
        code = _code_case("trim(c)", col.code_list or "", layout)
        mapped = f"list_transform(string_split({raw}, '|'), lambda c: {code})"
        return f"case when list_count({mapped}) = len({mapped}) then array_to_string(list_sort({mapped}), '|') end"
    if col.type == "yn":
        return f"case upper({raw}) when 'Y' then 'Y' when 'N' then 'N' end"
    if col.type == "decimal":
        return f"try_cast({raw} as double)"
    if col.type == "integer":
        return f"try_cast({raw} as bigint)"
    if col.type == "id":
        return f"case when length({raw}) <= 20 then {raw} end"
    return raw


def _rule_for(col: Column, layout: str) -> str:
    if col.type == "date":
        return f"date as {DATE_FORMATS[layout].replace('%Y', 'YYYY').replace('%m', 'MM').replace('%d', 'DD')}"
    if col.type in {"code", "codes"}:
        return f"code list {col.code_list}" + (" (v0 numbers)" if layout == "v0" else "")
    return {"yn": "Y or N", "decimal": "a number", "integer": "a whole number", "id": "id of at most 20 characters"
            }.get(col.type, col.type)


def error_queries(contract: Contract, layout: str) -> list[str]:
    """One SELECT per rule, each yielding (part, row, column, value, rule) for the cells that break it."""
    queries = []
    for col in contract.columns:
        raw, typed = _raw(col), f"typed.{_q(col.name)}"
        select = (f"select raw._part, raw.{ROW_NUMBER} as row_number, {literal(col.name)} as column_name, "
                  f"{raw} as value")
        join = "from raw join typed using (_rid)"
        queries.append(f"{select}, 'must not contain control characters (such as NUL, tab or a line break)' "
                       f"as rule {join} where regexp_matches(raw.{_q(col.name)}, '{CONTROL_CHARACTERS}')")
        if col.required:
            queries.append(f"{select}, 'required' as rule {join} where {raw} is null")
        if col.type not in {"text"}:
            queries.append(f"{select}, {literal('must be ' + _rule_for(col, layout))} as rule {join} "
                           f"where {raw} is not null and {typed} is null")
        if col.minimum is not None:
            queries.append(f"{select}, {literal(f'must be at least {col.minimum:g}')} as rule {join} "
                           f"where {typed} < {col.minimum}")
        if col.type == "date":
            queries.append(f"{select}, 'must not be after the period end ' || strftime(raw._period_end, '%Y-%m-%d') "
                           f"as rule {join} where {typed} > raw._period_end")
    key = ", ".join(f"typed.{_q(k)}" for k in contract.key)
    queries.append(
        f"select _part, {ROW_NUMBER} as row_number, {literal('+'.join(contract.key))} as column_name, "
        f"concat_ws('|', {key}) as value, 'duplicate key: the same record twice in one file' as rule "
        f"from (select *, row_number() over (partition by _part, {key} order by {ROW_NUMBER}) as n from typed) typed "
        f"where n > 1 and ({' and '.join(f'{k} is not null' for k in key.split(', '))})")
    return queries


def _record_id_sql(key: bytes, provider: str, col: Column) -> str:
    return f"{record_id_hash_sql(key, literal(provider), col.name, 'typed.' + _q(col.name))} as {_q(col.name)}"


def record_id_hash_sql(key: bytes, provider_sql: str, column: str, value_sql: str) -> str:
    """The keyed hash of a provider's own record id, scoped to the provider and the id's name (the one name every
    feed uses for it), so that an assessment still finds its referral."""
    return hmac_sql(key, f"'record:' || {provider_sql} || {literal(':' + column + ':')} || {value_sql}")


def local_child_ref_sql(key: bytes, provider_sql: str, value_sql: str) -> str:
    """The keyed hash of a Trust's own id for a child (``child_ref``), scoped to the Trust."""
    return hmac_sql(key, f"'local:' || {provider_sql} || ':' || {value_sql}")


def person_ref_hash_sql(key: bytes, contract: Contract, provider_sql: str, value_sql: str) -> str:
    """The keyed hash a batch of a feed naming a child carries for the person's own reference (its
    ``Contract.person_ref``), from the provider's raw id: a Trust's child id, else the record's own id."""
    if contract.column_by_role("local_child_id") is not None:
        return local_child_ref_sql(key, provider_sql, value_sql)
    return record_id_hash_sql(key, provider_sql, str(contract.person_ref), value_sql)


def _identity_columns(contract: Contract, key: bytes, provider: str) -> list[str]:
    """Pseudonymous replacements for the identifying columns the feed carries (see ``IDENTITY_COLUMNS``)."""
    out = []
    local = contract.column_by_role("local_child_id")
    if local is not None:
        out.append(f"{local_child_ref_sql(key, literal(provider), 'typed.' + _q(local.name))} as child_ref")
    if contract.column_by_role("date_of_birth") is None:
        return out
    hcn = contract.column_by_role("hcn")
    fore, sur = contract.column_by_role("forename"), contract.column_by_role("surname")
    dob, postcode = contract.column_by_role("date_of_birth"), contract.column_by_role("postcode")
    valid = valid_hcn_sql(f"typed.{_q(hcn.name)}") if hcn else "cast(null as varchar)"
    demographic = " || '|' || ".join([
        normalised_text_sql(f"typed.{_q(fore.name)}"), normalised_text_sql(f"typed.{_q(sur.name)}"),
        f"cast(typed.{_q(dob.name)} as varchar)", normalised_postcode_sql(f"typed.{_q(postcode.name)}")])
    return [
        *out,
        f"{hmac_sql(key, literal('hcn:') + ' || ' + valid)} as hcn_key",
        f"{hmac_sql(key, literal('demographic:') + ' || ' + demographic)} as demographic_key",
        f"{valid} is not null as has_valid_hcn",
        f"cast(date_trunc('month', typed.{_q(dob.name)}) as date) as birth_month",
        "pc.postcode_sector", "pc.postcode_district", "ref.lgd_code", "ref.trust_code as trust_of_residence",
        "cast(ref.deprivation_decile as integer) as deprivation_decile",
    ]


def _restricted_columns(contract: Contract) -> list[str]:
    """The identifiers kept for the restricted zone, under names no batch column has: the date of birth, the
    names and postcode normalised as the exact match compares them, the HCN where it is valid."""
    def typed(role: str) -> str:
        column = contract.column_by_role(role)
        return f"typed.{_q(column.name)}" if column is not None else "cast(null as varchar)"

    expressions = {
        "date_of_birth": typed("date_of_birth"),
        "forename": normalised_text_sql(typed("forename")),
        "surname": normalised_text_sql(typed("surname")),
        "postcode": normalised_postcode_sql(typed("postcode")),
        "hcn": valid_hcn_sql(typed("hcn")),
    }
    return [f"{expressions[field]} as {alias}" for field, alias in RESTRICTED.items()]


@functools.cache
def _postcode_database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB database per process holding the postcode lookup: each conformer works in a
    connection of its own to it (its temporary tables and registered inputs are that connection's). Creating a
    database and reading the lookup took 23 ms, paid by each of a run's 49 ingest steps; a connection, 0.5 ms."""
    database = duckdb.connect()
    sectors = literal(str(SEEDS_DIR / "ref_postcode_sectors.csv"))
    database.execute(f"create table ref as select * from read_csv({sectors}, all_varchar = true)")
    return database


class Conformer:
    """Holds one DuckDB connection with the postcode lookup for a whole ingest step (per-file set-up is slow)."""

    def __init__(self, key: bytes):
        self.key = key
        self.con = _postcode_database().cursor()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Conformer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def conform(self, parsed: pa.Table, contract: Contract, layout: str, provider: str,
                period_end: dt.date) -> Batch:
        return self.conform_many([(parsed, period_end)], contract, layout, provider)[0]

    def conform_many(self, parts: list[tuple[pa.Table, dt.date]], contract: Contract, layout: str,
                     provider: str) -> list[Batch]:
        """Conform several files of one provider's feed and layout in one pass (planning a query costs more
        than running it on a month's rows), then split the results by file."""
        con = self.con
        tagged = [table.append_column("_part", pa.repeat(pa.scalar(i, pa.int32()), table.num_rows))
                  .append_column("_period_end", pa.repeat(pa.scalar(period_end, pa.date32()), table.num_rows))
                  for i, (table, period_end) in enumerate(parts)]
        con.register("raw_input", pa.concat_tables(tagged))
        try:
            con.execute("create or replace temp table raw as select row_number() over () as _rid, * from raw_input")
            typed_cols = ", ".join(f"{typed_sql(c, layout)} as {_q(c.name)}" for c in contract.columns)
            con.execute(f"create or replace temp table typed as select _rid, _part, {ROW_NUMBER}, {typed_cols} "
                        "from raw")
            errors = con.sql(" union all ".join(error_queries(contract, layout))
                             + " order by _part, row_number, column_name").to_arrow_table()
            kept = [_record_id_sql(self.key, provider, c) if c.is_record_id else f"typed.{_q(c.name)}"
                    for c in contract.columns if not c.is_identifying]
            identity = _identity_columns(contract, self.key, provider)
            joins = ""
            postcode = contract.column_by_role("postcode")
            if postcode is not None:
                compact = f"regexp_replace(upper(coalesce(typed.{_q(postcode.name)}, '')), '\\s', '', 'g')"
                valid = "regexp_full_match(c, 'BT[0-9]{1,2}[0-9][A-Z]{2}')"
                joins = (f"left join (select _rid, case when {valid} "
                         f"then left(c, length(c) - 3) || ' ' || substr(c, length(c) - 2, 1) end as postcode_sector, "
                         f"case when {valid} then left(c, length(c) - 3) end as postcode_district "
                         f"from (select _rid, {compact} as c from typed) typed) pc "
                         f"using (_rid) left join ref on ref.postcode_sector = pc.postcode_sector")
            dob = contract.column_by_role("date_of_birth")
            restricted = _restricted_columns(contract) if dob is not None else []
            table = con.sql(
                f"select typed._part, {', '.join(kept + identity + restricted)}, "
                f"typed.{ROW_NUMBER} as source_row_number "
                f"from typed {joins} order by typed._part, typed.{ROW_NUMBER}").to_arrow_table()
        finally:
            con.unregister("raw_input")
        identities = None
        if dob is not None:
            identities = table.select(["_part", contract.person_ref, *RESTRICTED.values()]).rename_columns(
                ["_part", contract.person_ref, *RESTRICTED])
            table = table.drop_columns(list(RESTRICTED.values()))
        tables, error_tables = _parts(table, len(parts)), _parts(errors, len(parts))
        identity_tables = _parts(identities, len(parts)) if identities is not None else [None] * len(parts)
        return [Batch(table=t, errors=e, identities=i) for t, e, i in zip(tables, error_tables, identity_tables,
                                                                       strict=True)]


def _parts(table: pa.Table, count: int) -> list[pa.Table]:
    """A table ordered by ``_part`` split into one table per part (slices: no pass over the rows per part)."""
    sizes = [0] * count
    if table.num_rows:
        counted = pc.value_counts(table["_part"])
        for part, size in zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True):
            sizes[part] = size
    table = table.drop_columns(["_part"])
    starts = list(itertools.accumulate(sizes, initial=0))[:-1]
    return [table.slice(start, size) for start, size in zip(starts, sizes, strict=True)]


@functools.cache
def empty_batch(feed: str) -> pa.Table:
    """A batch of the feed with no rows: its columns and types exactly as ingest writes them (the conformer
    conforms no rows), for a feed no provider has sent yet."""
    contract = contracts()[feed]
    parsed = pa.table({**{c.name: pa.array([], pa.string()) for c in contract.columns},
                       ROW_NUMBER: pa.array([], pa.int64())})
    with Conformer(b"\0" * 32) as conformer:
        table = conformer.conform(parsed, contract, contract.layouts[0], "NONE", dt.date(2000, 1, 31)).table
    return (table.append_column("submission_id", pa.array([], pa.int64()))
            .append_column("provider_code", pa.array([], pa.string()))
            .append_column("period", pa.array([], pa.string())))
