"""Indicator units built by the reporting periods a run's changes touch (macros/indicator_increments.sql): a month's
run rebuilds only those periods, equals a full rebuild, and the comparison reads every column an indicator reads."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import duckdb
from conftest import REPOSITORY, land_in_two, run_dbt

from orchestration.cli import main
from orchestration.defs.dbt import ensure_manifest, full_refresh_reason, project_fingerprint
from orchestration.lib.parity import compare_relations
from orchestration.lib.settings import DataPaths

MACROS = REPOSITORY / "dbt_project" / "macros" / "indicator_increments.sql"
MARKED = ("quarter", "2023-Q1")  # a quarter of ind_referrals long before the last month: the test checks it is so
FORGOTTEN = ("quarter", "2024-Q2")  # a later one, which the last build is made to have not reported
MARKED_CELL = "median_days_to_decision"  # an indicator of mart_service_performance read from referrals alone
NEWLY_RECEIVED = "lac_reviews"  # a feed the last build is made to have published as not received


def _indicator_inputs() -> dict[str, dict]:
    """indicator_inputs()'s dictionary, read from the macro (a literal Python reads as Jinja does)."""
    text = MACROS.read_text(encoding="utf-8")
    body = re.search(r"macro indicator_inputs\(\).*?\{\{ return\((\{.*?\})\) \}\}", text, re.S)
    assert body, "indicator_inputs() not found"
    return ast.literal_eval(body.group(1))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z_0-9]+", text.lower()))


def test_every_input_an_indicator_reads_is_compared_and_no_ignored_column_is_read() -> None:
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    nodes, macros = manifest["nodes"], manifest["macros"]
    inputs = _indicator_inputs()
    by_name = {node["name"]: node for node in nodes.values() if node["resource_type"] == "model"}
    compared = {uid.split(".")[-1] for uid in by_name["periods_for_indicator_units"]["depends_on"]["nodes"]}
    assert compared == set(inputs), "periods_for_indicator_units reads other models"

    def macro_code(uid: str, seen: set[str]) -> str:
        """A macro's SQL and that of the macros it calls, but the comparison's own (which names what it ignores)."""
        if uid in seen or uid not in macros or macros[uid]["original_file_path"].endswith(MACROS.name):
            return ""
        seen.add(uid)
        macro = macros[uid]
        return macro["macro_sql"] + "".join(macro_code(m, seen) for m in macro["depends_on"]["macros"])

    indicators = [n for n in by_name.values() if n["name"].startswith("ind_")]
    assert len(indicators) > 40
    for node in indicators:
        assert node["config"]["materialized"] == "incremental", node["name"]
        parents = {uid.split(".")[-1] for uid in node["depends_on"]["nodes"]}
        unknown = {p for p in parents - set(inputs) if not p.startswith(("ind_", "ref_"))} - {
            "periods_for_indicator_units"}
        assert not unknown, f"{node['name']} reads {unknown}, which indicator_inputs() does not compare"
        seen: set[str] = set()
        used_macros = "".join(macro_code(m, seen) for m in node["depends_on"]["macros"]
                              if m.startswith("macro.children_data_warehouse."))
        words = _words(node["raw_code"] + used_macros)
        for name in parents & set(inputs):
            ignored = {"last_submission_id", *inputs[name].get("not_read", [])}
            assert not ignored & words, f"{node['name']} reads {ignored & words} of {name}, which is not compared"
            if inputs[name].get("attributes") is not None:
                # the attributes a model reads are found in its own SQL (inputs_of), and only those
                # listed are compared
                assert name not in _words(used_macros), f"a macro of {node['name']} reads {name}"
                uncompared = set(by_name[name]["columns"]) - set(inputs[name]["attributes"]) - {"child_key"}
                assert not uncompared & words, f"{node['name']} reads {uncompared & words} of {name}, not compared"


def test_a_months_run_rebuilds_the_periods_it_touches_and_equals_a_full_rebuild(
        short_landing: Path, data_dir: Path, tmp_path: Path) -> None:
    paths = DataPaths(data_dir)
    land_in_two(short_landing, paths.landing, later=False)
    assert main(["run"]) == 0
    warehouse = paths.warehouse
    with duckdb.connect(str(warehouse)) as con:
        # A mark no rebuild writes (a count's units have no measure, and no mart reads one): it survives only if
        # this quarter of ind_referrals is left alone.
        marked = con.execute("update ind_referrals set measure = -1 where period_type = ? and quarter_label = ?",
                             list(MARKED)).fetchone()[0]
        # As if the last build had not reported this quarter: the month leaves its referrals alone, so only the
        # reporting periods' being an input of every indicator model builds it again (the equality below).
        forgotten = con.execute("delete from ind_referrals where period_type = ? and quarter_label = ?",
                                list(FORGOTTEN)).fetchone()[0]
        con.execute("delete from indicator_inputs_as_built where input_model = 'dim_reporting_periods' "
                    "and row_key = ?", ["|".join(FORGOTTEN)])
        # The mart's cell of MARKED_CELL in that quarter is rebuilt only if its units were: marked, it must survive.
        cell = con.execute("update mart_service_performance set provider_name = 'left alone' "
                           "where indicator = ? and period_type = ? and quarter_label = ?",
                           [MARKED_CELL, *MARKED]).fetchone()[0]
        # As if the last build had not received a feed: its indicators' rows as the mart writes those of a feed not
        # received. The month's records of that feed touch only its last periods; every period must be rebuilt.
        unreceived = con.execute(
            "update mart_service_performance set numerator = null, denominator = null, value = null, "
            "availability = 'not_available' where indicator in (select indicator from ref_indicators "
            "where source_feeds = ?)", [NEWLY_RECEIVED]).fetchone()[0]
    assert marked > 0 and forgotten > 0 and cell > 0 and unreceived > cell

    assert land_in_two(short_landing, paths.landing, later=True)
    assert main(["run"]) == 0
    assert full_refresh_reason(paths, {"engine": "--target duckdb", "project": project_fingerprint()}) is None
    last_build = sorted(paths.dbt_runs.iterdir())[-1] / "run" / "children_data_warehouse" / "dbt_project"
    built_whole = {}
    for ran_file in (last_build / "models" / "marts" / "indicators").glob("ind_*.sql"):
        ran = ran_file.read_text(encoding="utf-8")
        whole = re.search(r"create\s+table", ran) is not None
        assert whole != ("insert into" in ran), f"{ran_file.name}: neither whole nor by period, or both"
        built_whole[ran_file.stem] = whole
    assert len(built_whole) > 40
    assert not built_whole["ind_referrals"], "the month's build of ind_referrals was not incremental"
    # A model whose month rebuilds at least half its periods is built whole (should_full_refresh): in this set the
    # last month changes Sure Start registrations from the first period on, so the models reading them rebuild all.
    assert any(built_whole.values()), "no indicator model was built whole, though some rebuild every period"
    mart_run = (last_build / "models" / "marts" / "mart_service_performance.sql").read_text(encoding="utf-8")
    assert mart_run.lstrip().startswith("delete from"), "mart_service_performance was not built by cells"

    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(data_dir, rebuilt)
    result = run_dbt(["build", "--full-refresh", "--exclude-resource-type", "unit_test"], rebuilt, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]

    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"attach '{DataPaths(rebuilt).warehouse}' as rebuilt (read_only)")
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse' "
            "and table_type = 'BASE TABLE' and (table_name like 'ind\\_%' escape '\\' or table_name like 'mart\\_%' "
            "escape '\\') order by 1").fetchall()]
        assert len(tables) > 40
        differing = []
        for table in tables:
            where = {"ind_referrals": f"where not (period_type = '{MARKED[0]}' and quarter_label = '{MARKED[1]}')",
                     "mart_service_performance": f"where not (indicator = '{MARKED_CELL}' and period_type = "
                                                 f"'{MARKED[0]}' and quarter_label = '{MARKED[1]}')"}.get(table, "")
            difference = compare_relations(con, table, f"(select * from warehouse.main.{table} {where})",
                                           f"(select * from rebuilt.main.{table} {where})")
            if not difference.agrees:
                differing.append(difference.describe("incremental", "full rebuild"))
        assert not differing, "\n".join(differing)

        changed = dict(con.execute(
            "select input_model, count(*) filter (where inputs_changed) from periods_for_indicator_units "
            "group by input_model").fetchall())
        assert changed["fct_referrals"] > 0, "the last month changed no period of referrals"
        referrals_rebuilt, periods = con.execute(
            "select count(distinct (period_type, quarter_label)) filter (where inputs_changed), "
            "count(distinct (period_type, quarter_label)) from periods_for_indicator_units "
            "where input_model in ('fct_referrals', 'dim_reporting_periods')").fetchone()
        assert 0 < referrals_rebuilt * 2 < periods, (
            f"the month rebuilds {referrals_rebuilt} of {periods} periods of referrals: the test needs fewer than half")
        untouched = con.execute(
            "select not inputs_changed from periods_for_indicator_units "
            "where input_model = 'fct_referrals' and period_type = ? and quarter_label = ?", list(MARKED)).fetchone()
        assert untouched == (True,), f"{MARKED} is no longer a quarter the last month leaves alone: choose another"
        untouched = con.execute(
            "select not inputs_changed from periods_for_indicator_units "
            "where input_model = ? and period_type = ? and quarter_label = ?", [f"fct_{NEWLY_RECEIVED}", *MARKED]
        ).fetchone()
        assert untouched == (True,), (
            f"the last month's {NEWLY_RECEIVED} touch {MARKED}: only its receipt should rebuild it, choose another")
        forgotten_changed = con.execute(
            "select input_model, inputs_changed from periods_for_indicator_units "
            "where input_model in ('fct_referrals', 'dim_reporting_periods') and period_type = ? and quarter_label = ?",
            list(FORGOTTEN)).fetchall()
        assert sorted(forgotten_changed) == [("dim_reporting_periods", True), ("fct_referrals", False)], (
            f"{FORGOTTEN} is no longer a quarter only the reporting periods rebuild: choose another")
        assert con.execute("select count(*), count(*) filter (where measure = -1) from ind_referrals "
                           "where period_type = ? and quarter_label = ?", list(MARKED)).fetchone() == (marked, marked)
        assert con.execute("select count(*) from mart_service_performance where provider_name = 'left alone'"
                           ).fetchone()[0] == cell, f"the month rebuilt the cell of {MARKED_CELL} in {MARKED}"
