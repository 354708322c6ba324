"""The Commissioner's quarterly extract (spec 7.3), built from the published database only.

``build_extract`` writes ``<outbox>/<recipient>/<quarter>/`` with
``indicators.csv`` (tidy, one row per value, the matrix complete),
``metadata.csv`` (one row per indicator and unit), ``indicators.xlsx`` (an
accessible workbook, ``workbook.py``) and ``manifest.json``, and beside them ``<quarter>-report.html``, a readable
report on system performance (``report.py``). Everything passes disclosure
control first, together with everything released to the same recipient before
(``release.py``), and neither the audit of this release nor the reader of all
of them may find anything, or no file is written. Every file and the report are
rendered from the same audited rows. Built again from the same publication,
every file is identical but for the manifest's creation time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib import disclosure, release
from orchestration.lib.ingest import sha256_of
from orchestration.lib.quarters import QuarterError, quarter_bounds
from orchestration.lib.registry import Registry
from orchestration.lib.release import unpublished_cells
from orchestration.lib.report import build_report
from orchestration.lib.settings import PROJECT_ROOT, DataPaths
from orchestration.lib.workbook import Release, load_labels, write_workbook

SPEC_UNITS = ("count", "percent", "rate_per_10000", "days", "gbp")
DECIMALS = {"count": 0, "percent": 1, "rate_per_10000": 1, "days": 1, "gbp": 0}
CSV_COLUMNS = ["period_start", "period_end", "geographic_level", "area_code", "area_name", "breakdown",
               "breakdown_value", "indicator", "unit", "value", "note"]
METADATA_COLUMNS = ["indicator", "label", "unit", "definition", "numerator", "denominator", "source_feeds",
                    "disclosure_rule"]
LEVEL_ORDER = {"NI": 0, "TRUST": 1, "LGD": 2}
# Breakdowns in this order, the characteristics first; an indicator's own breakdowns not listed here come after,
# in alphabetical order. Values within a breakdown come in the published order of dim_breakdown_values.
BREAKDOWN_ORDER = ["total", "age_band", "sex", "religion", "ethnicity", "disability", "deprivation_quintile",
                   "referral_source", "category_of_abuse", "legal_status", "placement_type"]
NI_AREA = ("N92000002", "Northern Ireland")
RECIPIENT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TITLE = "Children's social care and early help indicators, Northern Ireland"
SOURCE = ("Regional children's data warehouse: monthly submissions of the five HSC Trusts and the Family Support "
          "Hubs' organisations, quarterly submissions of the Sure Start projects")
PROVIDING_TRUST = "By providing Trust."
CONTACT = "Regional children's data warehouse team, children.data@example.gov.uk (synthetic demonstration)"


class ExtractError(RuntimeError):
    """The extract cannot be built (no data for the quarter, or disclosure control failed)."""


@dataclass
class ExtractRow(disclosure.Row):
    period_start: str = ""
    period_end: str = ""
    area_name: str = ""
    note: str = ""


@dataclass(frozen=True)
class ExtractResult:
    directory: Path
    files: dict[str, str]  # file name -> SHA-256
    rows: int
    suppressed: int
    publication_run_id: str
    created: str
    report: Path
    values: list[tuple[str, ...]]  # every value released, as the registry records it (RELEASED_VALUE)


def code_version() -> str:
    """The commit the code was built from, or the package version outside a git checkout."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                check=True, timeout=10)
        return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version
        return f"children-data-warehouse {version('children-data-warehouse')}"


def load_rows(con: duckdb.DuckDBPyConnection, quarter: str) -> list[ExtractRow]:
    """The quarter's and the 12 months' values: disaggregated indicators, and Trusts' performance."""
    rows = [_extract_row(r) for r in con.execute(
        """
        select
            indicator, unit, period_type, geographic_level, area_code, breakdown, breakdown_value, numerator,
            denominator, value, availability, cast(period_start as varchar), cast(period_end as varchar),
            area_name, coalesce(note, '')
        from mart_indicators
        where quarter_label = ?
        """, [quarter]).fetchall()]
    performance = con.execute(
        f"""
        select
            performance.indicator, performance.unit, performance.period_type,
            case when performance.provider_level = 'NI' then 'NI' else 'TRUST' end,
            case when performance.provider_level = 'NI' then ? else performance.provider_code end,
            'total', 'total', performance.numerator, performance.denominator, performance.value,
            performance.availability, cast(performance.period_start as varchar),
            cast(performance.period_end as varchar),
            case when performance.provider_level = 'NI' then ? else performance.provider_name end,
            case when performance.provider_level = 'NI' then '' else ? end
        from mart_service_performance as performance
        inner join dim_indicators as catalogue
            on catalogue.mart = 'mart_service_performance'
            and performance.indicator = catalogue.indicator
            and performance.unit = catalogue.unit
        where performance.quarter_label = ?
            and (performance.provider_level = 'NI' or performance.provider_type = 'trust')
            and '|' || catalogue.geographic_levels || '|' like '%|PROVIDER|%'
            and performance.unit in ({', '.join('?' for _ in SPEC_UNITS)})
        """, [*NI_AREA, PROVIDING_TRUST, quarter, *SPEC_UNITS]).fetchall()
    rows.extend(_extract_row(r) for r in performance)
    return rows


def load_over_periods(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """How each indicator relates across periods, from the catalogue (``sum_of_quarters`` or ``at_period_end``)."""
    return dict(con.execute(
        "select distinct indicator, over_periods from dim_indicators where over_periods is not null").fetchall())


def _extract_row(record: tuple) -> ExtractRow:
    *measures, period_start, period_end, area_name, note = record
    return ExtractRow(*measures, period_start=period_start, period_end=period_end, area_name=area_name, note=note)


def place_order(con: duckdb.DuckDBPyConnection) -> Callable[[ExtractRow], tuple]:
    """Where a value sits in a table: quarter first, then level, area, breakdown, and each breakdown's values in
    their published order (age bands and the official bands youngest or shortest first; a value outside the
    domain, such as an unknown end reason, last)."""
    value_rank = {(breakdown, value): rank for breakdown, value, rank in con.execute(
        "select breakdown, breakdown_value, sort_order from dim_breakdown_values").fetchall()}

    def key(row: ExtractRow) -> tuple:
        breakdown_rank = BREAKDOWN_ORDER.index(row.breakdown) if row.breakdown in BREAKDOWN_ORDER else 99
        return (row.period_type != "quarter", LEVEL_ORDER.get(row.geographic_level, 9), row.area_code,
                breakdown_rank, row.breakdown, value_rank.get((row.breakdown, row.breakdown_value), 10_000),
                row.breakdown_value)
    return key


def row_order(con: duckdb.DuckDBPyConnection) -> Callable[[ExtractRow], tuple]:
    """The extract's order: quarter first, then indicator and unit, then the place in the table."""
    place = place_order(con)

    def key(row: ExtractRow) -> tuple:
        period, *rest = place(row)
        return (period, row.indicator, row.unit, *rest)
    return key


def check_rows(rows: list[ExtractRow]) -> list[str]:
    """Independent checks of what would be published: spec 7.3's rules and the audit of every count table."""
    problems = []
    for row in rows:
        shown = row.shown
        if shown in (disclosure.SUPPRESSED, disclosure.TRUE_ZERO, disclosure.NOT_APPLICABLE,
                     disclosure.NOT_AVAILABLE):
            continue
        number = float(shown)
        if row.unit == "count" and disclosure.is_small(number):
            problems.append(f"{row.indicator} {row.key}: count {shown} shown")
        if row.unit != "count" and disclosure.too_few_cases(row.denominator):
            problems.append(f"{row.indicator} {row.unit} {row.key}: shown on a denominator under 10")
    hidden: dict[tuple, set] = {}
    for table, key in unpublished_cells(rows):
        hidden.setdefault(table, set()).add(key)
    for name, table in disclosure.count_tables(rows).items():
        problems.extend(str(finding) for finding in disclosure.audit(table, hidden.get(name, set())))
    return problems


def _csv_text(header: list[str], records: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    return buffer.getvalue()


def _metadata(con: duckdb.DuckDBPyConnection, rows: list[ExtractRow]) -> list[list[str]]:
    published = {(r.indicator, r.unit) for r in rows}
    catalogue = con.execute(
        f"select {', '.join(METADATA_COLUMNS)}, mart from dim_indicators order by indicator, unit, mart").fetchall()
    records, seen = [], set()
    for *fields, _mart in catalogue:
        key = (fields[0], fields[2])
        if key in published and key not in seen:
            seen.add(key)
            records.append(["" if f is None else str(f) for f in fields])
    return records


def scheduled_release_date(quarter: str) -> dt.date:
    """The extract is due on the 10th day after the quarter ends; the workbook's cover carries that date."""
    return quarter_bounds(quarter)[1] + dt.timedelta(days=10)


def next_release_date(quarter: str) -> dt.date:
    """When the following quarter's extract is due (the cover's next release date)."""
    following = quarter_bounds(quarter)[1] + dt.timedelta(days=1)
    return scheduled_release_date(f"{following.year}-Q{(following.month - 1) // 3 + 1}")


def build_extract(published: Path, outbox: Path, quarter: str, recipient: str = "niccy",
                  created: dt.datetime | None = None,
                  released_values: dict[str, list[list[tuple[str, ...]]]] | None = None) -> ExtractResult:
    """Write the four files and the report for a quarter, or raise ExtractError and write nothing.

    ``released_values`` is everything released to the recipient before (``Registry.released_values``): the new
    release is protected together with it (``release.py``), and the reader who holds all of it must be able to
    work out nothing."""
    if not RECIPIENT_PATTERN.match(recipient):
        raise ExtractError(f"recipient {recipient!r}: use lower-case letters, digits, - and _")
    try:
        quarter_bounds(quarter)
    except QuarterError as error:
        raise ExtractError(str(error)) from error
    if not published.exists():
        raise ExtractError(f"{published}: no published database yet; run the pipeline first (cdw run)")
    released_values = released_values or {}
    con = duckdb.connect(str(published), read_only=True)
    try:
        covered = [q for (q,) in con.execute(
            "select distinct quarter_label from mart_indicators where period_type = 'quarter' "
            "order by quarter_label").fetchall()]
        if quarter not in covered:
            span = f"{covered[0]} to {covered[-1]}" if covered else "no quarter"
            raise ExtractError(f"no data for {quarter}: the published database covers {span}")
        held = release.history(released_values)
        rows_by_quarter = {q: load_rows(con, q) for q in release.quarters_needed(release.released_quarters(held),
                                                                                    quarter) if q in covered}
        rows = rows_by_quarter[quarter]
        over_periods = load_over_periods(con)
        try:
            hidden = release.protect_release(rows_by_quarter, quarter, held, over_periods,
                                             disclosure.unpublished_numerators(rows))
        except RuntimeError as error:  # nothing left to hide that would protect a cell: refuse, write nothing
            raise ExtractError(f"{quarter} for {recipient}: {error}") from error
        disclosure.show(rows, hidden, DECIMALS)
        problems = check_rows(rows) + [f"across releases: {finding}" for finding in release.attack(
            rows_by_quarter, release.holding(held, rows, quarter), over_periods)]
        if problems:
            raise ExtractError(f"disclosure control failed for {quarter}: {len(problems)} problem(s), first: "
                               f"{problems[0]}")
        rows.sort(key=row_order(con))
        metadata = _metadata(con, rows)
        labels = load_labels(con)
        places = place_order(con)
        run_id, published_at = con.execute(
            "select run_id, cast(published_at as varchar) from publication_runs").fetchone()
        batches = [dict(zip(("provider", "feed", "period", "checksum"), b, strict=True)) for b in con.execute(
            "select provider_code, feed, period, checksum from publication_batches "
            "order by provider_code, feed, period, checksum").fetchall()]
    finally:
        con.close()

    target = outbox / recipient / quarter
    building = target.with_name(f".{quarter}.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    (building / "indicators.csv").write_text(_csv_text(CSV_COLUMNS, [
        [r.period_start, r.period_end, r.geographic_level, r.area_code, r.area_name, r.breakdown,
         r.breakdown_value, r.indicator, r.unit, r.shown, r.note] for r in rows]), encoding="utf-8")
    (building / "metadata.csv").write_text(_csv_text(METADATA_COLUMNS, metadata), encoding="utf-8")
    write_workbook(building / "indicators.xlsx", Release(quarter, scheduled_release_date(quarter),
                                                         next_release_date(quarter), TITLE, SOURCE, CONTACT),
                   rows, metadata, METADATA_COLUMNS, labels, places)
    files = {name: sha256_of(building / name) for name in ("indicators.csv", "metadata.csv", "indicators.xlsx")}
    start, end = quarter_bounds(quarter)
    manifest = {
        "recipient": recipient,
        "period": {"quarter": quarter, "start": start.isoformat(), "end": end.isoformat()},
        "run_id": run_id,
        "published_at": published_at,
        "created": (created or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "batches": batches,
        "files": files,
    }
    (building / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    os.replace(building, target)
    report = target.with_name(f"{quarter}-report.html")
    build_report(quarter, rows, released_values, report.with_suffix(".building"))
    os.replace(report.with_suffix(".building"), report)
    suppressed = sum(1 for r in rows if r.shown == disclosure.SUPPRESSED)
    values = [(r.indicator, r.unit, r.period_type, r.geographic_level, r.area_code, r.breakdown, r.breakdown_value,
               r.shown) for r in rows]
    return ExtractResult(target, {**files, "manifest.json": sha256_of(target / "manifest.json")}, len(rows),
                         suppressed, run_id, manifest["created"], report, values)


def deliver(paths: DataPaths, quarter: str, recipient: str = "niccy", run_id: str | None = None) -> ExtractResult:
    """Build a quarter's extract into the outbox, protected with everything released to the recipient before, and
    record it in the audit log with every value it releases."""
    registry = Registry(paths.registry)
    result = build_extract(paths.published, paths.outbox, quarter, recipient,
                           released_values=registry.released_values(recipient))
    registry.record_extract(recipient, quarter, run_id, result.publication_run_id, result.created,
                            str(result.directory), result.files, result.values)
    return result
