"""SQL literals built from values: a quote in a path or code must come back from DuckDB as itself."""

from pathlib import Path

import duckdb

from orchestration.lib.sql_text import literal, literal_list, literals


def test_a_quote_stays_inside_the_literal() -> None:
    awkward = "O'Neill's folder; select 1 --"
    assert literal(awkward) == "'O''Neill''s folder; select 1 --'"
    assert duckdb.sql(f"select {literal(awkward)}").fetchall() == [(awkward,)]


def test_lists_and_in_lists_come_back_whole() -> None:
    values = ["a", "b'c", ""]
    assert duckdb.sql(f"select {literal_list(values)}").fetchall() == [(values,)]
    found = duckdb.sql(f"select 'b''c' in ({literals(values)}), 'd' in ({literals(values)})").fetchall()
    assert found == [(True, False)]


def test_a_parquet_file_under_a_quoted_folder_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "Trust's batches"
    folder.mkdir()
    target = folder / "one.parquet"
    duckdb.sql(f"copy (select 1 as n) to {literal(str(target))} (format parquet)")
    assert duckdb.sql(f"select n from read_parquet({literal_list([str(target)])})").fetchall() == [(1,)]
