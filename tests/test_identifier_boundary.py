"""Children's identifiers never leave the restricted zone (landing/, archive/, restricted/), whatever arrives.

Submissions carrying known, distinctive names, a Health and Care Number, a date of birth, a postcode and the
provider's own child and record ids are landed: good files (accepted and published), and bad files whose broken
cells and header rows are exactly those identifiers (rejected and quarantined, with reasons that would quote them
if reasons quoted values). After `cdw run`, `cdw extract`, `cdw status` and `cdw status --json`, every file
outside the restricted zone (the batches, the warehouse, the publication, the outbox, logs, dbt's run folders,
Great Expectations' results and Data Docs, Dagster's storage and compute logs), every Dagster event, and
everything the commands printed is searched for them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sources.generator.people import hcn_check_digit

REPOSITORY = Path(__file__).resolve().parents[1]
RESTRICTED = ("landing", "archive", "restricted")
FIRST_NINE = "398765432"
HCN = FIRST_NINE + str(hcn_check_digit(FIRST_NINE))
TOKENS = {"forename": "Zebulon", "surname": "Quillfeather", "hcn": HCN, "postcode": "BT12 4ZQ",
          "child_id": "ZQCHILD0042", "record_id": "ZQREF0077", "second_child": "ZQCHILD0043",
          "second_record": "ZQREF0078"}
DATE_OF_BIRTH = "2009-05-17"
CHILDREN = ("child_id,hcn,forename,surname,date_of_birth,sex,religion,ethnicity,disability,first_language,"
            "interpreter_required,postcode,record_status\n")
REFERRALS = ("referral_id,child_id,referral_date,referral_source,primary_need,decision_date,decision,"
             "allocated_date,team_code,closed_date,record_status\n")
GOOD = {
    "BHSCT_children_2025-01.csv": CHILDREN + f"ZQCHILD0042,{HCN},Zebulon,Quillfeather,{DATE_OF_BIRTH},M,CATH,WHIT,N,"
                                             "en,N,BT12 4ZQ,active\n",
    "BHSCT_referrals_2025-01.csv": REFERRALS + "ZQREF0077,ZQCHILD0042,2025-01-06,POLICE,ABUSE_NEGLECT,2025-01-08,NFA,,"
                                               "BHSCT-GW01,2025-01-08,active\n",
}
BAD = {
    # every broken cell is an identifier: a sex that is a surname, a forename where the HCN goes (then a
    # duplicate of the child), a date of birth in the wrong format, a child id too long to be one
    "NHSCT_children_2025-01.csv": CHILDREN
    + f"ZQCHILD0043,{HCN},Zebulon,Quillfeather,{DATE_OF_BIRTH},Quillfeather,CATH,WHIT,N,en,N,BT12 4ZQ,active\n"
    + f"ZQCHILD0043,{HCN},Zebulon,Quillfeather,17/05/2009,M,CATH,WHIT,N,en,N,BT12 4ZQ,active\n"
    + f"ZQCHILD0042-{HCN}-LONG,{HCN},Zebulon,Quillfeather,{DATE_OF_BIRTH},M,CATH,WHIT,N,en,N,BT12 4ZQ,active\n",
    # no header: the first row, which would be quoted as "the header found", is a child's record
    "SEHSCT_referrals_2025-01.csv": "ZQREF0078,ZQCHILD0043,2025-01-06,POLICE,ABUSE_NEGLECT,,,,SEHSCT-GW01,,active\n"
                                    f"{HCN},Zebulon Quillfeather,{DATE_OF_BIRTH},BT12 4ZQ\n",
    # a header with the same name twice, named after the child
    "SHSCT_children_2025-01.csv": "Zebulon,Zebulon\nQuillfeather,Quillfeather\n",
}


def _env(root: Path, dagster_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CDW_PSEUDONYMISATION_KEY"}
    return {**env, "CDW_DATA_DIR": str(root), "CDW_ALLOW_DEMO_KEY": "1", "CDW_LANDING_SETTLE_SECONDS": "0",
            "DAGSTER_HOME": str(dagster_home), "DBT_LOG_PATH": str(root / "logs")}


def _land(root: Path, files: dict[str, str], folder: str) -> None:
    for name, body in files.items():
        path = root / "landing" / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


@pytest.fixture(scope="module")
def world(short_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("boundary")
    root, dagster_home = work / "data", work / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPOSITORY / "orchestration" / "dagster.yaml", dagster_home / "dagster.yaml")
    shutil.copytree(short_landing, root / "landing")
    _land(root, GOOD, "2025-02-05")
    printed: list[str] = []
    codes = []

    def cdw(*arguments: str) -> None:
        done = subprocess.run([sys.executable, "-m", "orchestration.cli", *arguments], cwd=REPOSITORY,
                              env=_env(root, dagster_home), capture_output=True, text=True, timeout=1200, check=False)
        printed.append(done.stdout + done.stderr)
        codes.append(done.returncode)

    cdw("run")
    cdw("extract", "--quarter", "2024-Q4")
    _land(root, BAD, "2025-02-06")
    cdw("run")
    cdw("status")
    cdw("status", "--json")
    return {"root": root, "dagster_home": dagster_home, "printed": printed, "codes": codes}


def _outside_restricted(world: dict) -> list[Path]:
    root = world["root"]
    files = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in RESTRICTED]
    return files + [p for p in world["dagster_home"].rglob("*") if p.is_file()]


def _text_cells(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    cells: set[str] = set()
    for name, kind, *_ in con.execute(f"describe select * from {relation}").fetchall():
        if kind.startswith("VARCHAR"):
            cells |= {r[0] for r in con.execute(f'select distinct "{name}" from {relation}').fetchall() if r[0]}
    return cells


def _leaks(text: str, dates_too: bool = True) -> list[str]:
    folded = text.casefold()
    found = [k for k, v in TOKENS.items() if v.casefold() in folded]
    if HCN[:3] + " " + HCN[3:6] + " " + HCN[6:] in text:
        found.append("hcn (spaced)")
    if dates_too and DATE_OF_BIRTH in text:
        found.append("date_of_birth")
    return found


def test_the_runs_did_what_the_search_relies_on(world: dict) -> None:
    from orchestration.lib.registry import Registry

    assert world["codes"][:2] == [0, 0], world["printed"][:2]
    statuses = {s.file_name: s.status for s in Registry(world["root"] / "restricted" / "registry.sqlite").all()}
    assert {statuses[name] for name in GOOD} == {"accepted"}
    assert [statuses[name] for name in BAD] == ["quarantined", "rejected", "rejected"]
    archived = "".join(p.read_text(encoding="utf-8", errors="replace")
                       for p in (world["root"] / "archive").rglob("*") if p.is_file())
    reports = "".join(p.read_text(encoding="utf-8") for p in (world["root"] / "restricted").rglob("*.csv"))
    for value in TOKENS.values():
        assert value in archived  # the search looks for something that was there
    assert "Quillfeather" in reports and "17/05/2009" in reports  # the values are kept, in the error reports
    with duckdb.connect(str(world["root"] / "published" / "analytics.duckdb"), read_only=True) as con:
        referrals = con.execute("select count(*) from fct_referrals where referral_date = date '2025-01-06' "
                                "and provider_code = 'BHSCT'").fetchone()[0]
    assert referrals >= 1  # the good files' records are in the publication searched below


def test_no_identifier_in_any_file_outside_the_restricted_zone(world: dict) -> None:
    leaks = {}
    for path in _outside_restricted(world):
        text = path.read_bytes().decode("utf-8", "replace")
        found = _leaks(text, dates_too=path.suffix not in (".duckdb", ".parquet"))
        if found:
            leaks[str(path)] = found
    assert not leaks, leaks


def test_no_identifier_in_any_table_or_batch(world: dict) -> None:
    root = world["root"]
    con = duckdb.connect()
    relations = [f"read_parquet('{p}')" for p in (root / "batches").rglob("*.parquet")]
    databases = {"pub": root / "published" / "analytics.duckdb", "wh": root / "warehouse" / "warehouse.duckdb"}
    for name, path in databases.items():
        con.execute(f"attach '{path}' as {name} (read_only)")
    con.execute(f"set variable cdw_data_dir = '{root}'")
    relations += [f"{c}.main.{t}" for c, t in con.execute(
        "select table_catalog, table_name from information_schema.tables "
        "where table_catalog in ('pub', 'wh') and table_type = 'BASE TABLE'").fetchall()]
    assert len(relations) > 100
    leaks = {r: found for r in relations if (found := _leaks("\n".join(_text_cells(con, r)), dates_too=False))}
    assert not leaks, leaks


def test_no_identifier_in_dagster_events_or_console(world: dict) -> None:
    with dg.DagsterInstance.from_config(str(world["dagster_home"])) as instance:
        runs = instance.get_runs()
        assert len(runs) == 3  # two pipeline runs and the extract
        events = "\n".join(str(entry) for run in runs for entry in instance.all_logs(run.run_id))
    assert "quality_gate" in events and "NHSCT_children_2025-01.csv" in events
    assert not _leaks(events)
    printed = "\n".join(world["printed"])
    assert "NHSCT_children_2025-01.csv" in printed and "error report" in printed
    assert not _leaks(printed)
