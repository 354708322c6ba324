"""The whole pipeline on a small synthetic set: generate, `cdw run`, query the published database."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import run_dbt
from openpyxl import load_workbook

from orchestration.cli import main
from orchestration.lib.lifecycle import EMPTY_BATCH
from orchestration.lib.parse import parse_file_name
from orchestration.lib.registry import Registry
from sources.contract import contracts

TRUSTS = {"BHSCT", "NHSCT", "SEHSCT", "SHSCT", "WHSCT"}


def test_runs_succeed_and_rerun_is_idempotent(pipeline: dict) -> None:
    (first_code, first_mart), (second_code, second_mart) = pipeline["runs"]
    assert first_code == 0 and second_code == 0
    assert first_mart == second_mart


def test_mart_covers_every_trust_and_month(pipeline: dict) -> None:
    with duckdb.connect(str(pipeline["root"] / "published" / "analytics.duckdb"), read_only=True) as con:
        trusts = {r[0] for r in con.execute("select distinct trust_code from mart_referrals_by_trust_month").fetchall()}
        assert trusts == TRUSTS
        received, facts = con.execute(
            "select (select sum(referrals_received) from mart_referrals_by_trust_month), "
            "(select count(*) from fct_referrals)").fetchone()
        assert received == facts > 0
        in_window = con.execute(
            "select count(distinct month_start_date) from mart_referrals_by_trust_month "
            "where month_start_date between date '2023-04-01' and date '2025-03-01'").fetchone()[0]
        assert in_window == 24
        median = con.execute("select median(days_to_decision) from fct_referrals").fetchone()[0]
        assert 0 <= median <= 30
        runs = con.execute("select count(*) from publication_runs").fetchone()[0]
        batches = con.execute("select count(distinct feed), count(*) from publication_batches").fetchone()
        accepted = len(Registry(pipeline["root"] / "restricted" / "registry.sqlite").all("accepted"))
        assert runs == 1 and batches == (len(contracts()), accepted)
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert not any(t.startswith(("stg_", "int_", "ref_")) for t in tables)
        comment = con.execute("select comment from duckdb_tables() where table_name = 'fct_referrals'").fetchone()[0]
        assert comment and "referral" in comment



def _landing_identifiers(landing: Path) -> dict[str, set[str]]:
    """Every name, HCN, date of birth, postcode and local child id in the landing files."""
    found: dict[str, set[str]] = {"names": set(), "hcn": set(), "dob": set(), "postcode": set(), "local_id": set()}
    for path in landing.rglob("*"):
        if not path.is_file():
            continue
        contract = contracts()[parse_file_name(path.name)["feed"]]
        if path.suffix == ".xlsx":
            rows = list(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
            header, body = [str(h) for h in rows[0]], rows[1:]
        else:
            with path.open(encoding="utf-8-sig") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                body = list(reader)
        for col in contract.columns:
            if not col.is_identifying:
                continue
            names = {col.name, col.v0_name}
            index = next((i for i, h in enumerate(header) if h in names), None)
            if index is None:
                continue
            values = {str(r[index]).strip() for r in body if r[index] not in (None, "")}
            bucket = {"forename": "names", "surname": "names", "hcn": "hcn", "date_of_birth": "dob",
                      "postcode": "postcode", "local_child_id": "local_id"}[str(col.role)]
            found[bucket] |= values
    return found


def _text_cells(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[set[str], list[str]]:
    columns = con.execute(f"describe select * from {relation}").fetchall()
    cells: set[str] = set()
    for name, kind, *_ in columns:
        if kind.startswith("VARCHAR"):
            cells |= {r[0] for r in con.execute(f'select distinct "{name}" from {relation}').fetchall() if r[0]}
    return cells, [c[0] for c in columns]


def test_no_identifier_from_landing_reaches_batches_or_published_database(pipeline: dict) -> None:
    root = pipeline["root"]
    identifiers = _landing_identifiers(root / "landing")
    assert all(identifiers.values()), "the scan must have something to look for"
    names = {n.casefold() for n in identifiers["names"]}
    postcodes = {re.sub(r"\s", "", p).upper() for p in identifiers["postcode"]}
    forbidden_columns = {"hcn", "forename", "surname", "date_of_birth", "postcode", "child_id"}
    relations = []
    con = duckdb.connect()
    for batch in root.joinpath("batches").rglob("*.parquet"):
        relations.append(f"read_parquet('{batch}')")
        assert not forbidden_columns & set(pq.read_schema(batch).names), batch
    con.execute(f"attach '{root / 'published' / 'analytics.duckdb'}' as pub (read_only)")
    con.execute(f"attach '{root / 'warehouse' / 'warehouse.duckdb'}' as wh (read_only)")
    con.execute(f"set variable cdw_data_dir = '{root}'")
    relations += [f"{catalog}.main.{t}" for catalog, t in con.execute(
        "select table_catalog, table_name from information_schema.tables "
        "where table_catalog in ('pub', 'wh') and table_type = 'BASE TABLE'").fetchall()]
    assert any(r.startswith("wh.main.int_trust__children") for r in relations)
    for relation in relations:
        cells, columns = _text_cells(con, relation)
        assert not forbidden_columns & {c.lower() for c in columns}, relation
        for cell in cells:
            assert cell.casefold() not in names, (relation, cell)
            assert re.sub(r"\s", "", cell).upper() not in postcodes, (relation, cell)
            assert cell not in identifiers["local_id"], (relation, cell)
            assert not any(h in cell for h in identifiers["hcn"] if len(h) >= 8), (relation, cell)
            assert cell not in identifiers["dob"], (relation, cell)
    days = con.execute("select distinct day(birth_month) from pub.main.dim_children").fetchall()
    assert days == [(1,)]


def test_status_json_fields(pipeline: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("CDW_DATA_DIR", str(pipeline["root"]))
    assert main(["status", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {"provider", "feed", "period", "layout", "file", "checksum", "rows", "received_at", "status",
            "reasons"} <= set(records[0])
    statuses = {r["status"] for r in records}
    assert "accepted" in statuses
    accepted = [r for r in records if r["status"] == "accepted"]
    assert {r["provider"] for r in accepted} >= TRUSTS
    assert {r["layout"] for r in accepted if r["provider"] in ("SHSCT", "WHSCT") and r["feed"] != "workforce"} == {"v0"}


def test_every_feed_from_every_provider_loads_in_both_layouts_and_formats(pipeline: dict) -> None:
    from orchestration.lib.ingest import providers_by_type

    accepted = Registry(pipeline["root"] / "restricted" / "registry.sqlite").all("accepted")
    for feed, contract in contracts().items():
        providers = {s.provider for s in accepted if s.feed == feed}
        assert providers == set(providers_by_type()[contract.provider_type]), feed
        layouts = {s.layout for s in accepted if s.feed == feed}
        assert layouts == ({"v0", "v1"} if "v0" in contract.layouts else {"v1"}), feed
    assert {Path(s.file_name).suffix for s in accepted} == {".csv", ".xlsx"}


def test_resubmissions_and_repeated_files_give_exact_counts(pipeline: dict) -> None:
    landing = pipeline["root"] / "landing"
    files = [p for p in landing.rglob("*") if p.is_file()]
    periods = {parse_file_name(p.name)["provider"] + parse_file_name(p.name)["feed"] + parse_file_name(p.name)["period"]
               for p in files}
    registry = Registry(pipeline["root"] / "restricted" / "registry.sqlite")
    submissions = registry.all()
    identical_repeats = len(files) - len({(p.name, p.read_bytes()) for p in files})
    assert len(submissions) == len(files) - identical_repeats
    assert len(registry.all("accepted")) == len(periods)
    assert len(registry.all("superseded")) == len(files) - identical_repeats - len(periods)
    current = [p for p in (pipeline["root"] / "batches" / "current").rglob("*.parquet") if p.name != EMPTY_BATCH]
    assert len(current) == len(periods)


def test_every_model_and_column_in_the_warehouse_is_described(pipeline: dict) -> None:
    from orchestration.defs.dbt import ensure_manifest

    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    documented = {node["name"]: node for node in manifest["nodes"].values()
                  if node["resource_type"] in ("model", "seed")}
    with duckdb.connect(str(pipeline["root"] / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        actual: dict[str, list[str]] = {}
        for table, column in con.execute("select table_name, column_name from information_schema.columns "
                                         "where table_schema = 'main'").fetchall():
            actual.setdefault(table, []).append(column)
    assert set(actual) == set(documented)
    missing = [f"{table}.{column}" for table, columns in actual.items() for column in columns
               if not documented[table]["columns"].get(column, {}).get("description")]
    assert not missing, missing
    assert all(node["description"] for node in documented.values())


def test_dbt_run_folders_live_under_the_data_root_and_are_pruned(pipeline: dict, tmp_path: Path) -> None:
    from orchestration.defs.dbt import KEPT_DBT_RUNS, prune_dbt_runs

    runs = sorted((pipeline["root"] / "dbt" / "runs").iterdir())
    assert len(runs) == 2 and all((run / "run_results.json").exists() for run in runs)
    for stamp in range(6):
        (tmp_path / f"20261201T10000{stamp}-run").mkdir()
    prune_dbt_runs(tmp_path, KEPT_DBT_RUNS)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"20261201T10000{s}-run" for s in (3, 4, 5)]


def test_each_feed_is_validated_once_per_run_whatever_its_providers(pipeline: dict) -> None:
    """The gate's cost follows what arrived, not how many providers send it: one GX validation per suite of a feed
    in a run, by whichever of the feed's checks ran first (its run name), and every gate check reports its own."""
    from orchestration.lib.quality import run_results
    from orchestration.lib.settings import DataPaths

    paths = DataPaths(pipeline["root"])
    first_run = min((s.submission_id, s.run_id) for s in Registry(paths.registry).all())[1]
    names_by_suite: dict[str, set[str]] = {}
    for key in run_results(paths, first_run):
        names_by_suite.setdefault(key.expectation_suite_identifier.name, set()).add(key.run_id.run_name)
    assert "referrals_batch" in names_by_suite and "children_batch_measures" in names_by_suite
    validated_more_than_once = {suite: names for suite, names in names_by_suite.items() if len(names) > 1}
    assert not validated_more_than_once
    judged = [s for s in Registry(paths.registry).all() if s.gate_run == first_run]
    assert {s.provider for s in judged if s.feed == "referrals"} == TRUSTS


def test_the_dbt_unit_tests_pass_on_the_built_warehouse_which_runs_none(pipeline: dict, tmp_path: Path) -> None:
    """A run builds without dbt's unit tests (they test the code, on fixed rows), so CI runs them here, on the
    warehouse the run built; and a run's results hold models and data tests but no unit test."""
    runs = sorted((pipeline["root"] / "dbt" / "runs").iterdir())
    kinds = {r["unique_id"].split(".")[0] for r in json.loads((runs[-1] / "run_results.json").read_text())["results"]}
    assert {"model", "test"} <= kinds and "unit_test" not in kinds
    result = run_dbt(["test", "--select", "test_type:unit", "--target", "duckdb"], pipeline["root"], tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) > 40 and all(r["status"] == "pass" for r in unit_tests)
