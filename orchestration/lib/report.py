"""A human-readable quarterly report on system performance, written beside the Commissioner's extract.

One self-contained HTML page (inline SVG charts, no scripts or fonts from
elsewhere), built from the published database under the same disclosure
rules as the extract: rates come from the extract's own disclosure-controlled
rows, and a median or percentage on fewer than 10 cases, or with a
numerator from 1 to 4, is left out of a chart and said to be.
"""

from __future__ import annotations

import html
from pathlib import Path

import duckdb

from orchestration.lib import disclosure
from orchestration.lib.quarters import quarter_bounds

PALETTE = ["#12436d", "#28a197", "#801650", "#f46a25", "#3d3d3d", "#a285d1"]
WIDTH, HEIGHT, MARGIN = 720, 300, 48
QUARTERS_SHOWN = 8


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _shown_ratio(numerator: float | None, denominator: float | None, value: float | None, unit: str) -> float | None:
    """A median, mean or percentage, or None where disclosure control would hide it."""
    if value is None or denominator is None or disclosure.too_few_cases(denominator):
        return None
    if unit == "percent" and numerator is not None and disclosure.is_small(numerator):
        return None
    return value


def line_chart(chart_id: str, title: str, categories: list[str], series: dict[str, list[float | None]],
               unit: str) -> str:
    """Lines over quarters; a gap where a value is hidden."""
    values = [v for points in series.values() for v in points if v is not None]
    top = max(values, default=1) * 1.1 or 1
    step = (WIDTH - 2 * MARGIN) / max(len(categories) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return MARGIN + i * step, HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * v / top

    parts = [_axes(top, unit)]
    for i, category in enumerate(categories):
        x, _ = xy(i, 0)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - MARGIN + 16}" text-anchor="middle" font-size="11">'
                     f'{_escape(category)}</text>')
    for n, (name, points) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        segments, current = [], []
        for i, v in enumerate(points):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(xy(i, v))
        if current:
            segments.append(current)
        for segment in segments:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            parts.append(f'<polyline class="series" data-series="{_escape(name)}" points="{path}" fill="none" '
                         f'stroke="{colour}" stroke-width="2"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in segment)
    return _figure(chart_id, title, parts, list(series))


def bar_chart(chart_id: str, title: str, bars: list[tuple[str, float | None]], unit: str) -> str:
    """One bar per category; a hidden value is marked c."""
    values = [v for _, v in bars if v is not None]
    top = max(values, default=1) * 1.1 or 1
    slot = (WIDTH - 2 * MARGIN) / max(len(bars), 1)
    parts = [_axes(top, unit)]
    for i, (label, v) in enumerate(bars):
        x = MARGIN + i * slot + slot * 0.15
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - MARGIN + 16}" text-anchor="middle" '
                     f'font-size="11">{_escape(label)}</text>')
        if v is None:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - MARGIN - 6}" text-anchor="middle">c</text>')
            continue
        height = (HEIGHT - 2 * MARGIN) * v / top
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{HEIGHT - MARGIN - height:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{height:.1f}" fill="{PALETTE[0]}"><title>{_escape(label)}: {v:.1f}</title></rect>')
    return _figure(chart_id, title, parts, [])


def heat_map(chart_id: str, title: str, rows: list[str], columns: list[str],
             cells: dict[tuple[str, str], float]) -> str:
    """Per cent complete, from white (0) to dark blue (100); grey where the feed has no such field."""
    cell_width, cell_height, left, head = 90, 18, 180, 40
    width, height = left + cell_width * len(columns) + 10, head + cell_height * len(rows) + 10
    parts = []
    for j, column in enumerate(columns):
        parts.append(f'<text x="{left + j * cell_width + cell_width / 2}" y="{head - 8}" text-anchor="middle" '
                     f'font-size="11">{_escape(column)}</text>')
    for i, row in enumerate(rows):
        y = head + i * cell_height
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" font-size="11">{_escape(row)}</text>')
        for j, column in enumerate(columns):
            value = cells.get((row, column))
            shade = "#eeeeee" if value is None else _blue(value)
            label = "not collected" if value is None else f"{value:.0f}%"
            ink = "#000" if value is None or value < 60 else "#fff"
            parts.append(f'<rect class="cell" x="{left + j * cell_width}" y="{y}" width="{cell_width - 2}" '
                         f'height="{cell_height - 2}" fill="{shade}"><title>{_escape(row)}, {_escape(column)}: '
                         f'{label}</title></rect>')
            parts.append(f'<text x="{left + j * cell_width + cell_width / 2}" y="{y + 13}" text-anchor="middle" '
                         f'font-size="10" fill="{ink}">{label}</text>')
    svg = (f'<svg role="img" aria-labelledby="{chart_id}-title" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>')
    return (f'<figure class="chart" id="{chart_id}"><figcaption id="{chart_id}-title">{_escape(title)}'
            f'</figcaption>{svg}</figure>')


def _blue(value: float) -> str:
    share = max(0.0, min(value, 100.0)) / 100
    return "#{:02x}{:02x}{:02x}".format(*(round(255 - (255 - c) * share) for c in (0x12, 0x43, 0x6d)))


def _axes(top: float, unit: str) -> str:
    lines = [f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" '
             f'stroke="#666"/>', f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" '
             f'stroke="#666"/>']
    for k in range(5):
        value = top * k / 4
        y = HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * k / 4
        lines.append(f'<text x="{MARGIN - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{value:.0f}</text>')
    lines.append(f'<text x="{MARGIN}" y="{MARGIN - 12}" font-size="11">{_escape(unit)}</text>')
    return "".join(lines)


def _figure(chart_id: str, title: str, parts: list[str], legend: list[str]) -> str:
    svg = (f'<svg role="img" aria-labelledby="{chart_id}-title" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}">{"".join(parts)}</svg>')
    keys = "".join(f'<li><span style="background:{PALETTE[n % len(PALETTE)]}"></span>{_escape(name)}</li>'
                   for n, name in enumerate(legend))
    return (f'<figure class="chart" id="{chart_id}"><figcaption id="{chart_id}-title">{_escape(title)}'
            f'</figcaption>{svg}{f"<ul class=legend>{keys}</ul>" if keys else ""}</figure>')


def _trust_series(con: duckdb.DuckDBPyConnection, indicator: str, quarters: list[str]) -> dict[str, list]:
    rows = con.execute(
        "select provider_name, quarter_label, numerator, denominator, value, unit from mart_service_performance "
        "where indicator = ? and period_type = 'quarter' and (provider_type = 'trust' or provider_level = 'NI') "
        "order by provider_level desc, provider_name", [indicator]).fetchall()
    series: dict[str, list] = {}
    for name, quarter, numerator, denominator, value, unit in rows:
        if quarter in quarters:
            series.setdefault(name, [None] * len(quarters))[quarters.index(quarter)] = _shown_ratio(
                numerator, denominator, value, unit)
    return series


def build_report(published: Path, quarter: str, extract_rows: list, target: Path) -> Path:
    """Write the quarter's report; extract_rows are the extract's disclosure-controlled rows."""
    start, end = quarter_bounds(quarter)
    with duckdb.connect(str(published), read_only=True) as con:
        quarters = [q for (q,) in con.execute(
            "select distinct quarter_label from mart_service_performance where quarter_label <= ? "
            "order by quarter_label desc limit ?", [quarter, QUARTERS_SHOWN]).fetchall()][::-1]
        waiting = _trust_series(con, "median_days_to_allocation", quarters)
        stability = _trust_series(con, "lac_three_plus_placements", quarters)
        workforce = con.execute(
            "select provider_name, indicator, numerator, denominator, value, unit from mart_service_performance "
            "where quarter_label = ? and period_type = 'quarter' and provider_type = 'trust' "
            "and indicator in ('vacancy_rate', 'agency_share') order by provider_name, indicator",
            [quarter]).fetchall()
        completeness = con.execute(
            "select provider_code || ' ' || feed, replace(indicator, 'completeness_', ''), percent_recorded "
            "from mart_data_completeness order by 1, 2").fetchall()
    rates = {}
    for row in extract_rows:
        if row.unit == "rate_per_10000" and row.period_type == "quarter" and row.indicator == "cp_register":
            value = None if row.shown in ("c", "x", "z") else float(row.shown)
            rates[(row.geographic_level, row.area_name, row.breakdown, row.breakdown_value)] = value
    by_trust = [(name.replace(" Health and Social Care Trust", ""), value)
                for (level, name, breakdown, _), value in sorted(rates.items())
                if level == "TRUST" and breakdown == "total"]
    by_deprivation = [(f"quintile {value_code}", value)
                      for (level, _, breakdown, value_code), value in sorted(rates.items())
                      if level == "NI" and breakdown == "deprivation_quintile" and value_code != "unknown"]
    workforce_bars = {indicator: [(name.replace(" Health and Social Care Trust", ""),
                                   _shown_ratio(numerator, denominator, value, unit))
                                  for name, measure, numerator, denominator, value, unit in workforce
                                  if measure == indicator]
                      for indicator in ("vacancy_rate", "agency_share")}
    rows = sorted({r for r, _, _ in completeness})
    columns = sorted({c for _, c, _ in completeness})
    charts = [
        line_chart("waiting-times", "Median days from referral to allocation, by providing Trust, by quarter",
                   quarters, waiting, "days"),
        bar_chart("rates-by-trust", f"Children on the child protection register per 10,000 children, by Trust of "
                                    f"residence, at {end:%d %B %Y}", by_trust, "per 10,000"),
        bar_chart("rates-by-deprivation", f"Children on the child protection register per 10,000 children, by "
                                          f"deprivation quintile (1 = most deprived), at {end:%d %B %Y}",
                  by_deprivation, "per 10,000"),
        line_chart("placement-stability", "Looked-after children with three or more placements in 12 months, per "
                                          "cent, by providing Trust", quarters, stability, "per cent"),
        bar_chart("workforce-vacancies", f"Vacancy rate (vacant over funded FTE), per cent, by Trust, {quarter}",
                  workforce_bars["vacancy_rate"], "per cent"),
        bar_chart("workforce-agency", f"Agency share of staff in post (FTE), per cent, by Trust, {quarter}",
                  workforce_bars["agency_share"], "per cent"),
        heat_map("completeness", "Data completeness: per cent of current records with the field recorded, by "
                                 "provider and feed", rows, columns, {(r, c): v for r, c, v in completeness}),
    ]
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>System performance report, {_escape(quarter)}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 2em; color: #0b0c0c; max-width: 60em; }}
figure.chart {{ margin: 2em 0; }} figcaption {{ font-weight: bold; margin-bottom: .5em; }}
ul.legend {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1em; font-size: .9em; }}
ul.legend span {{ display: inline-block; width: 1em; height: .6em; margin-right: .3em; }}
</style>
</head>
<body>
<h1>Children's services: system performance, {_escape(quarter)}</h1>
<p>{start:%d %B %Y} to {end:%d %B %Y}. Built from the published database beside the Commissioner's extract
for the same quarter. Values on fewer than 10 cases, or that would reveal a count from 1 to 4, are left out
(a gap in a line, or <em>c</em> for a bar).</p>
{"".join(charts)}
</body>
</html>
"""
    target.write_text(page, encoding="utf-8")
    return target
