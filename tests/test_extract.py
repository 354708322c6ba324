"""The Commissioner's extract (spec 7.3), built by `cdw extract` from the end-to-end run's publication."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import json
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from openpyxl import load_workbook

from orchestration.cli import main
from orchestration.definitions import defs
from orchestration.lib import disclosure, release
from orchestration.lib.extract import CSV_COLUMNS, METADATA_COLUMNS, SPEC_UNITS, load_over_periods, load_rows
from orchestration.lib.quarters import quarter_bounds
from orchestration.lib.registry import Registry

QUARTER, EARLIER = "2024-Q3", "2024-Q2"
SYMBOLS = {"c", "0", "z", "x"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
ADDITIVE = {"total", "age_band", "sex", "religion", "ethnicity", "disability", "deprivation_quintile",
            "referral_source"}


@pytest.fixture(scope="module")
def extract_root(pipeline: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding a copy of the end-to-end publication, with the extract for the quarter before and then
    the extract built twice."""
    root = tmp_path_factory.mktemp("extract") / "data"
    shutil.copytree(pipeline["root"] / "published", root / "published")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CDW_DATA_DIR", str(root))
        patch.delenv("DAGSTER_HOME", raising=False)
        assert main(["extract", "--quarter", EARLIER]) == 0
        first = main(["extract", "--quarter", QUARTER])
        copy = root.parent / "first"
        shutil.copytree(root / "outbox" / "niccy" / QUARTER, copy)
        second = main(["extract", "--quarter", QUARTER])
    assert first == 0 and second == 0
    return root


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def indicators(extract_root: Path) -> list[dict]:
    return read_csv(extract_root / "outbox" / "niccy" / QUARTER / "indicators.csv")


def test_all_four_files_are_written(extract_root: Path) -> None:
    folder = extract_root / "outbox" / "niccy" / QUARTER
    assert sorted(p.name for p in folder.iterdir()) == ["indicators.csv", "indicators.xlsx", "manifest.json",
                                                        "metadata.csv"]


def test_the_csv_is_tidy_and_uses_only_the_symbols(extract_root: Path, indicators: list[dict]) -> None:
    with (extract_root / "outbox" / "niccy" / QUARTER / "indicators.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == ",".join(CSV_COLUMNS)
    assert indicators
    keys = set()
    for row in indicators:
        assert row["value"] in SYMBOLS or NUMBER.match(row["value"]), row
        assert row["unit"] in SPEC_UNITS
        assert row["geographic_level"] in ("NI", "TRUST", "LGD")
        assert (row["period_start"], row["period_end"]) in {("2024-07-01", "2024-09-30"), ("2023-10-01", "2024-09-30")}
        key = (row["period_start"], row["geographic_level"], row["area_code"], row["breakdown"],
               row["breakdown_value"], row["indicator"], row["unit"])
        assert key not in keys, f"duplicate row {key}"
        keys.add(key)


def test_no_count_from_1_to_4_and_no_ratio_on_fewer_than_10(extract_root: Path, indicators: list[dict]) -> None:
    with duckdb.connect(str(extract_root / "published" / "analytics.duckdb"), read_only=True) as con:
        truth = {(r.period_start, r.geographic_level, r.area_code, r.breakdown, r.breakdown_value, r.indicator,
                  r.unit): r for r in load_rows(con, QUARTER)}
    counts = {k: row["value"] for row in indicators
              for k in [(row["period_start"], row["geographic_level"], row["area_code"], row["breakdown"],
                         row["breakdown_value"], row["indicator"])] if row["unit"] == "count"}
    for row in indicators:
        key = (row["period_start"], row["geographic_level"], row["area_code"], row["breakdown"],
               row["breakdown_value"], row["indicator"], row["unit"])
        source = truth[key]
        if row["unit"] == "count" and row["value"] not in SYMBOLS:
            assert not 1 <= float(row["value"]) <= 4, row
            assert float(row["value"]) == source.value, row
        if row["unit"] == "count" and row["value"] == "0":
            assert source.value == 0, row
        if row["unit"] != "count" and NUMBER.match(row["value"]):
            assert source.denominator is not None and source.denominator >= 10, row
            if row["unit"] == "rate_per_10000":
                assert counts[key[:-1]] != "c", f"rate shown for a suppressed count: {row}"
            if row["unit"] == "percent" and source.indicator != "sure_start_reach":
                assert not 1 <= source.numerator <= 4, row


def test_totals_are_consistent(indicators: list[dict]) -> None:
    """Where a total and all its parts are shown, the parts add up to it (breakdowns to total, areas to NI)."""
    cells = {(r["period_start"], r["indicator"], r["geographic_level"], r["area_code"], r["breakdown"],
              r["breakdown_value"]): r["value"] for r in indicators if r["unit"] == "count"}
    groups: dict[tuple, list[str]] = defaultdict(list)
    totals = {}
    for (period, indicator, level, area, breakdown, _value), shown in cells.items():
        if breakdown == "total":
            totals[(period, indicator, level, area)] = shown
        elif breakdown in ADDITIVE:
            groups[(period, indicator, level, area, breakdown)].append(shown)
    checked = 0
    for (period, indicator, level, area, _), parts in groups.items():
        total = totals[(period, indicator, level, area)]
        if total not in ("c",) and "c" not in parts:
            assert sum(float(p) for p in parts) == float(total)
            checked += 1
    assert checked > 100
    by_level: dict[tuple, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (period, indicator, level, _area, breakdown, value), shown in cells.items():
        if level != "NI":
            by_level[(period, indicator, breakdown, value)][level].append(shown)
    for (period, indicator, breakdown, value), levels in by_level.items():
        ni = cells[(period, indicator, "NI", "N92000002", breakdown, value)]
        for shown in levels.values():
            if ni != "c" and "c" not in shown:
                assert sum(float(s) for s in shown) <= float(ni)  # NI also counts children of no known area


def test_the_matrix_is_complete(indicators: list[dict]) -> None:
    """Every indicator has the same breakdown values in every area of every level it is published at."""
    combos: dict[tuple, set] = defaultdict(set)
    areas: dict[tuple, set] = defaultdict(set)
    for row in indicators:
        combos[(row["indicator"], row["unit"], row["period_start"], row["geographic_level"], row["area_code"])].add(
            (row["breakdown"], row["breakdown_value"]))
        areas[(row["indicator"], row["unit"], row["period_start"], row["geographic_level"])].add(row["area_code"])
    expected_areas = {"NI": 1, "TRUST": 5, "LGD": 11}
    for (indicator, unit, period, level), codes in areas.items():
        assert len(codes) == expected_areas[level], (indicator, unit, level)
        shapes = {frozenset(combos[(indicator, unit, period, level, code)]) for code in codes}
        assert len(shapes) == 1, f"{indicator} {unit} {level}: areas differ in breakdown values"
    referrals = combos[("referrals", "count", "2024-07-01", "NI", "N92000002")]
    assert {b for b, _ in referrals} == ADDITIVE
    assert ("age_band", "18_plus") in referrals and ("referral_source", "ANONYMOUS") in referrals
    periods = {(r["indicator"], r["unit"], r["period_start"]) for r in indicators}
    assert len(periods) == 2 * len({(r["indicator"], r["unit"]) for r in indicators})


def test_bands_are_listed_in_their_natural_order(indicators: list[dict]) -> None:
    """Age bands and the official bands come youngest or shortest first, not in the order of their names."""
    def values(indicator: str, breakdown: str) -> list[str]:
        return [r["breakdown_value"] for r in indicators if r["indicator"] == indicator and r["unit"] == "count"
                and r["period_start"] == "2024-07-01" and r["area_code"] == "N92000002" and r["breakdown"] == breakdown]
    assert values("looked_after", "age_band") == ["under_1", "1_4", "5_11", "12_15", "16_17", "18_plus"]
    assert values("looked_after", "time_in_care") == ["under_1_year", "1_to_3_years", "3_to_5_years", "5_years_plus"]
    assert values("cp_register", "time_on_register") == [
        "under_6_months", "6_to_12_months", "1_to_2_years", "2_years_plus"]
    assert values("family_support_referrals", "family_support_age_group") == ["0_4", "5_10", "11_15", "16_plus"]
    assert values("cp_register", "looked_after_legal_status")[-1] == "NOT_LOOKED_AFTER"


def test_the_independent_audit_finds_no_suppressed_count_that_can_be_worked_out(extract_root: Path,
                                                                                   indicators: list[dict]) -> None:
    with duckdb.connect(str(extract_root / "published" / "analytics.duckdb"), read_only=True) as con:
        rows = load_rows(con, QUARTER)
    shown = {(r["period_start"], r["geographic_level"], r["area_code"], r["breakdown"], r["breakdown_value"],
              r["indicator"], r["unit"]): r["value"] for r in indicators}
    hidden: dict[tuple, set] = defaultdict(set)
    for row in rows:
        value = shown[(row.period_start, row.geographic_level, row.area_code, row.breakdown, row.breakdown_value,
                       row.indicator, row.unit)]
        if (row.unit == "count" and value == "c") or (row.unit == "percent" and value in ("c", "x")):
            hidden[row.count_table].add(row.key)
    tables = disclosure.count_tables(rows)
    assert sum(len(h) for h in hidden.values()) > 0
    for name, table in tables.items():
        assert disclosure.audit(table, hidden[name]) == [], name


def test_metadata_has_one_row_per_indicator_and_unit(extract_root: Path, indicators: list[dict]) -> None:
    metadata = read_csv(extract_root / "outbox" / "niccy" / QUARTER / "metadata.csv")
    assert list(metadata[0]) == METADATA_COLUMNS
    assert {(m["indicator"], m["unit"]) for m in metadata} == {(r["indicator"], r["unit"]) for r in indicators}
    assert all(m["definition"] and m["disclosure_rule"] and m["source_feeds"] for m in metadata)


def test_the_workbook_has_cover_contents_notes_and_tables(extract_root: Path) -> None:
    workbook = load_workbook(extract_root / "outbox" / "niccy" / QUARTER / "indicators.xlsx")
    assert workbook.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert {"Referrals", "Child protection", "Looked after", "Early help", "Service performance",
            "Definitions"} <= set(workbook.sheetnames)
    cover = " ".join(str(c.value) for row in workbook["Cover"].iter_rows() for c in row if c.value)
    assert "2024-Q3" in cover and "Release date: 10 October 2024" in cover
    assert "Next release: 10 January 2025" in cover
    notes = " ".join(str(c.value) for row in workbook["Notes"].iter_rows() for c in row if c.value)
    assert all(f"{symbol}:" in notes for symbol in ("[c]", "[x]", "[z]"))
    for name in workbook.sheetnames[3:]:
        sheet = workbook[name]
        assert sheet["A1"].value and str(sheet["A1"].value).startswith("Table"), name
        assert len(sheet.tables) == 1, f"{name}: the data is not marked up as a table"


def _topic_tables(path: Path) -> dict[str, list[dict]]:
    """Each topic sheet's table as records keyed by its headers."""
    workbook = load_workbook(path)
    tables = {}
    for name in workbook.sheetnames[3:-1]:
        sheet = workbook[name]
        (table,) = sheet.tables.values()
        rows = list(sheet[table.ref])
        headers = [str(c.value) for c in rows[0]]
        tables[name] = [dict(zip(headers, (c.value for c in row), strict=True)) for row in rows[1:]]
    return tables


def test_the_workbook_reads_as_official_tables_labels_widths_and_symbols(extract_root: Path) -> None:
    """Labels instead of codes, column widths set, landscape pages one wide with the header repeated, symbols as
    the Analysis Function's guidance writes them, and the register by Trust and age band readable as a table."""
    path = extract_root / "outbox" / "niccy" / QUARTER / "indicators.xlsx"
    workbook = load_workbook(path)
    for name in workbook.sheetnames:
        sheet = workbook[name]
        widths = [sheet.column_dimensions[letter].width for letter in "ABCDEF" if letter in sheet.column_dimensions]
        assert widths and all(w and w >= 10 for w in widths), (name, widths)
        if name not in ("Cover", "Contents", "Notes"):
            assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
            assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0), name  # 1 wide
    tables = _topic_tables(path)
    cells = [v for rows in tables.values() for row in rows for v in row.values()]
    codes = {"WHIT", "IRTR", "CATH", "PROT", "PP", "rate_per_10000", "children_in_need", "under_1", "TRUST", "NI"}
    assert not codes & {c for c in cells if isinstance(c, str)}, "a code reached the workbook"
    symbols = {c for c in cells if isinstance(c, str) and c.startswith("[")}
    assert symbols <= {"[c]", "[x]", "[z]"} and "[c]" in symbols
    assert not {c for c in cells if c in ("c", "x", "z", None, "")}, "a bare symbol or an empty cell"
    register = [row for row in tables["Child protection"] if row["Area type"] == "Trust"
                and row["Breakdown"] == "Age band" and row["Period"].startswith("1 Jul")]
    assert {row["Category"] for row in register} == {"Under 1", "1 to 4", "5 to 11", "12 to 15", "16 to 17",
                                                     "18 and over"}
    assert {row["Area"] for row in register} == {"Belfast Health and Social Care Trust",
                                                 "Northern Health and Social Care Trust",
                                                 "South Eastern Health and Social Care Trust",
                                                 "Southern Health and Social Care Trust",
                                                 "Western Health and Social Care Trust"}
    assert any(header.startswith("Children on the child protection register at period end (number)")
               for header in register[0])


def test_every_value_in_the_workbook_is_the_extracts_value(extract_root: Path, indicators: list[dict]) -> None:
    """The workbook is the CSV laid out for reading: every CSV value is in it, in its labelled cell, and nothing
    else is (a cell for a breakdown an indicator does not have is [z])."""
    import duckdb

    con = duckdb.connect(str(extract_root / "published" / "analytics.duckdb"), read_only=True)
    labels = {(i, u): label for i, u, label in con.execute(
        "select indicator, unit, first(label order by mart) from dim_indicators group by all").fetchall()}
    values = {(b, v): (bl, vl) for b, v, bl, vl in con.execute(
        "select breakdown, breakdown_value, breakdown_label, value_label from dim_breakdown_values").fetchall()}
    con.close()
    from orchestration.lib.workbook import UNIT_SUFFIX

    in_workbook = {}
    for rows in _topic_tables(extract_root / "outbox" / "niccy" / QUARTER / "indicators.xlsx").values():
        for row in rows:
            place = (row["Period"].startswith("1 Jul"), row["Area code"], row["Breakdown"], row["Category"])
            for header, value in list(row.items())[6:]:
                in_workbook[(*place, header.split("\n")[0])] = value
    expected = {"c": "[c]", "x": "[x]", "z": "[z]"}
    for r in indicators:
        breakdown, category = values[(r["breakdown"], r["breakdown_value"])]
        header = labels[(r["indicator"], r["unit"])] + UNIT_SUFFIX[r["unit"]]
        key = (r["period_start"] == "2024-07-01", r["area_code"], breakdown, category, header)
        assert key in in_workbook, key
        got = in_workbook.pop(key)
        if r["value"] in expected:
            assert got == expected[r["value"]], (key, got)
        else:
            assert float(got) == float(r["value"]), (key, got, r["value"])
    assert set(in_workbook.values()) <= {"[z]"}, "the workbook holds a value the CSV does not"


def test_the_workbook_prints_with_libreoffice(extract_root: Path, tmp_path: Path) -> None:
    """Printed through LibreOffice (as a reader would print it), the workbook gives readable pages: one page wide,
    so each topic takes a few dozen pages at this scale, not the thousand of a sheet without widths."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office, "Debian's LibreOffice is needed for this test (.ci/run installs it: libreoffice-calc-nogui)"
    source = extract_root / "outbox" / "niccy" / QUARTER / "indicators.xlsx"
    subprocess.run([office, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   capture_output=True, timeout=300, check=True)
    pdf = (tmp_path / "indicators.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    rows = sum(len(rows) for rows in _topic_tables(source).values())
    assert 0 < pages < rows / 20, (pages, rows)  # one page wide: at least 20 table rows a page


def test_rebuilding_gives_identical_files_but_the_creation_time(extract_root: Path) -> None:
    first, second = extract_root.parent / "first", extract_root / "outbox" / "niccy" / QUARTER
    for name in ("indicators.csv", "metadata.csv", "indicators.xlsx"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    manifests = [json.loads((folder / "manifest.json").read_text()) for folder in (first, second)]
    for manifest in manifests:
        manifest.pop("created")
    assert manifests[0] == manifests[1]


def test_the_manifest_lists_batches_and_checksums(extract_root: Path) -> None:
    folder = extract_root / "outbox" / "niccy" / QUARTER
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["period"] == {"quarter": QUARTER, "start": "2024-07-01", "end": "2024-09-30"}
    assert manifest["run_id"] and manifest["code_version"] and dt.datetime.fromisoformat(manifest["created"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    with duckdb.connect(str(extract_root / "published" / "analytics.duckdb"), read_only=True) as con:
        assert len(manifest["batches"]) == con.execute("select count(*) from publication_batches").fetchone()[0]
    assert set(manifest["batches"][0]) == {"provider", "feed", "period", "checksum"}


def test_every_extract_is_in_the_audit_log(extract_root: Path) -> None:
    log = Registry(extract_root / "restricted" / "registry.sqlite").extracts()
    assert [(e["recipient"], e["quarter"]) for e in log] == [("niccy", EARLIER)] + [("niccy", QUARTER)] * 2
    folder = extract_root / "outbox" / "niccy" / QUARTER
    assert log[-1]["files"]["indicators.csv"] == hashlib.sha256((folder / "indicators.csv").read_bytes()).hexdigest()
    assert all(e["run_id"] for e in log)


def test_the_audit_log_keeps_every_value_released(extract_root: Path, indicators: list[dict]) -> None:
    """What the next release's disclosure control reads: each extract's values, as the recipient received them."""
    released = Registry(extract_root / "restricted" / "registry.sqlite").released_values("niccy")
    assert sorted(released) == [EARLIER, QUARTER] and len(released[QUARTER]) == 2
    start = quarter_bounds(QUARTER)[0].isoformat()
    assert sorted(released[QUARTER][-1]) == sorted(
        (r["indicator"], r["unit"], "quarter" if r["period_start"] == start else "12_months", r["geographic_level"],
         r["area_code"], r["breakdown"], r["breakdown_value"], r["value"]) for r in indicators)


def test_a_quarter_without_data_is_refused_and_writes_nothing(extract_root: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("CDW_DATA_DIR", str(extract_root))
    assert main(["extract", "--quarter", "2031-Q1"]) == 1
    assert "no data for 2031-Q1" in capsys.readouterr().err
    assert not (extract_root / "outbox" / "niccy" / "2031-Q1").exists()


def test_the_schedule_asks_for_the_quarter_just_ended_and_its_run_writes_the_extract(
        extract_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = defs.resolve_schedule_def("commissioner_extract_schedule")
    assert schedule.cron_schedule == "0 7 10 1,4,7,10 *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2024, 10, 10, 7, 0))
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.tags["quarter"] == QUARTER
    monkeypatch.setenv("CDW_DATA_DIR", str(extract_root))
    target = extract_root / "outbox" / "niccy" / QUARTER
    shutil.rmtree(target)
    result = defs.resolve_job_def("commissioner_extract_job").execute_in_process(run_config=request.run_config)
    assert result.success and (target / "indicators.xlsx").exists()


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHARTS = ["waiting-times", "rates-by-trust", "rates-by-deprivation", "placement-stability", "workforce-vacancies",
          "workforce-agency"]


def test_the_report_renders_in_headless_chromium_with_its_charts(extract_root: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian's chromium is needed for this test (.ci/run installs it: apt-get install chromium)"
    report = extract_root / "outbox" / "niccy" / f"{QUARTER}-report.html"
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*command, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    screenshot = tmp_path / "report.png"
    subprocess.run([*command, f"--screenshot={screenshot}", "--window-size=1000,2400", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert screenshot.stat().st_size > 20_000  # a blank page is a few kilobytes
    assert "<h1>Children's services: system performance, 2024-Q3</h1>" in dom
    drawn = 0
    for chart in CHARTS:
        figure = re.search(rf'<figure class="chart" id="{chart}">(.*?)</figure>', dom, re.S)
        assert figure, f"chart {chart} missing from the rendered page"
        drawn += bool(re.search(r"<(polyline|rect|circle) class=\"(series|bar|point)\"", figure.group(1)))
    assert drawn >= len(CHARTS) - 1  # at the test's small scale one chart may have every value suppressed


def test_every_value_in_the_report_is_the_extracts_value_for_the_same_cell(extract_root: Path) -> None:
    """One release layer: the report shows only values the recipient received, in this quarter's extract or, for
    an earlier quarter, in that quarter's; every value drawn is in a table cell naming its extract cell."""
    outbox = extract_root / "outbox" / "niccy"
    released = {}
    for quarter in (EARLIER, QUARTER):
        for r in read_csv(outbox / quarter / "indicators.csv"):
            if r["period_start"] == quarter_bounds(quarter)[0].isoformat():
                released[(r["indicator"], r["unit"], r["geographic_level"], r["area_code"], r["breakdown"],
                          r["breakdown_value"], quarter)] = r["value"]
    page = (outbox / f"{QUARTER}-report.html").read_text(encoding="utf-8")
    compared = numbers = 0
    for chart in CHARTS:
        figure = re.search(rf'<figure class="chart" id="{chart}">(.*?)</figure>', page, re.S).group(1)
        cells = re.findall(r'<td data-cell="([^"]*)"[^>]*>([^<]*)</td>', figure)
        assert cells, chart
        drawn = re.findall(r"<title>[^<]*: ([^<]*)</title>", figure.split("<table")[0])
        shown = {text for _, text in cells}
        assert set(drawn) <= shown, (chart, set(drawn) - shown)
        for cell, text in cells:
            key = tuple(html.unescape(cell).split("|"))
            value = released.get(key)
            if value is None:
                assert text == "not released", (chart, key, text)
            elif value in ("c", "x", "z"):
                assert text == f"[{value}]", (chart, key, text)
            else:
                assert text == value, (chart, key, text, value)
                numbers += 1
            compared += 1
    assert compared > 40 and numbers > 20


AXE = Path(__file__).parents[1] / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUNNER = """<script>{axe}</script><script>
axe.run(document, {{resultTypes: ['violations']}}).then(function (results) {{
  var out = document.createElement('pre');
  out.id = 'axe-results';
  out.textContent = JSON.stringify(results.violations.map(function (v) {{
    return {{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) {{ return n.target; }})}};
  }}));
  document.body.appendChild(out);
}});
</script></body>"""


def test_axe_core_finds_no_accessibility_violation_in_the_report(extract_root: Path, tmp_path: Path) -> None:
    """axe-core (pinned in package.json, installed by `make install`) run in headless Chromium on the report."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian's chromium is needed for this test (.ci/run installs it: apt-get install chromium)"
    assert AXE.exists(), "axe-core is missing: `make install` runs `npm ci`"
    report = (extract_root / "outbox" / "niccy" / f"{QUARTER}-report.html").read_text(encoding="utf-8")
    checked = tmp_path / "report.html"
    checked.write_text(report.replace("</body>", AXE_RUNNER.format(axe=AXE.read_text(encoding="utf-8"))),
                       encoding="utf-8")
    dom = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--virtual-time-budget=30000", "--dump-dom", checked.as_uri()],
                         capture_output=True, text=True, timeout=180, check=True).stdout
    found = re.search(r'<pre id="axe-results">(.*?)</pre>', dom, re.S)
    assert found, "axe-core did not run"
    violations = json.loads(html.unescape(found.group(1)))
    assert violations == [], json.dumps(violations, indent=1)[:3000]


def test_three_quarterly_extracts_kept_together_give_nothing_away(extract_root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader who keeps every extract: three consecutive quarters built in order by `cdw extract` (the module's
    two, and the next one built on a copy of its data root), read back from the recipient's files, and a
    linear-programming attacker over all of them with every relation within tables and between periods (a
    12-month count is its four quarters'; a count at the period end is the same in the quarter and the 12
    months): no suppressed count is pinned, and no small count inside 1 to 4."""
    root = tmp_path / "data"
    shutil.copytree(extract_root, root)
    monkeypatch.setenv("CDW_DATA_DIR", str(root))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    quarters = [EARLIER, QUARTER, "2024-Q4"]
    assert main(["extract", "--quarter", quarters[-1]]) == 0
    held: dict = {}
    for quarter in quarters:
        start = quarter_bounds(quarter)[0].isoformat()
        received = [disclosure.Row(r["indicator"], r["unit"], "quarter" if r["period_start"] == start else "12_months",
                                   r["geographic_level"], r["area_code"], r["breakdown"], r["breakdown_value"], None,
                                   None, None, shown=r["value"])
                    for r in read_csv(root / "outbox" / "niccy" / quarter / "indicators.csv")]
        held = release.holding(held, received, quarter)
    with duckdb.connect(str(root / "published" / "analytics.duckdb"), read_only=True) as con:
        truth = {q: load_rows(con, q) for q in release.quarters_needed(quarters, quarters[-1])}
        over_periods = load_over_periods(con)
    assert set(over_periods.values()) == {release.SUM_OF_QUARTERS, release.AT_PERIOD_END}
    hidden = sum(1 for state in held.values() if state == release.HIDDEN)
    assert hidden > 100  # the attacker has something to work on
    assert release.attack(truth, held, over_periods) == []
