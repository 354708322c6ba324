"""A human-readable quarterly report on system performance, written beside the Commissioner's extract.

One self-contained HTML page (inline SVG charts, no scripts or fonts from
elsewhere), rendered from released values only: this quarter's extract rows,
after disclosure control and its audit, and the values of earlier quarters as
they were released to the same recipient (the registry keeps them). A value
suppressed there, or never released, is left out of a chart and said to be.
Every number carries a tooltip (an SVG title) naming its series and category.
"""

from __future__ import annotations

import html
from pathlib import Path

from orchestration.lib import disclosure
from orchestration.lib.quarters import quarter_bounds

PALETTE = ["#12436d", "#28a197", "#801650", "#f46a25", "#3d3d3d", "#a285d1"]
WIDTH, HEIGHT, MARGIN = 720, 300, 48
QUARTERS_SHOWN = 8
NI_CODE = "N92000002"


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


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
        parts.extend(f'<circle class="point" cx="{xy(i, v)[0]:.1f}" cy="{xy(i, v)[1]:.1f}" r="3" fill="{colour}">'
                     f'<title>{_escape(name)}, {_escape(categories[i])}: {v:.1f}</title></circle>'
                     for i, v in enumerate(points) if v is not None)
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


Shown = dict[tuple[str, str, str, str, str, str], str]  # (indicator, unit, level, area, breakdown, value) -> shown


def _shown_values(rows: list, released_values: dict[str, list[list[tuple[str, ...]]]], quarter: str
                  ) -> dict[str, Shown]:
    """By quarter, every quarterly value as released to the recipient: this release's, and the latest release of
    each earlier quarter (nothing else reaches the report)."""
    by_quarter: dict[str, Shown] = {}
    for earlier, extracts in released_values.items():
        if earlier < quarter:
            latest = extracts[-1]
            by_quarter[earlier] = {(indicator, unit, level, area, breakdown, value): shown
                                   for indicator, unit, period_type, level, area, breakdown, value, shown in latest
                                   if period_type == "quarter"}
    by_quarter[quarter] = {(r.indicator, r.unit, r.geographic_level, r.area_code, r.breakdown, r.breakdown_value):
                           r.shown for r in rows if r.period_type == "quarter"}
    return by_quarter


def _number(shown: str | None) -> float | None:
    """A released value as a number, or None for a symbol (or a value never released)."""
    if shown is None or (shown in disclosure.SYMBOLS and shown != disclosure.TRUE_ZERO):
        return None
    return float(shown)


def _trust_series(shown: dict[str, Shown], indicator: str, unit: str, quarters: list[str], names: dict[str, str]
                  ) -> dict[str, list[float | None]]:
    """Northern Ireland's and each providing Trust's value of a performance indicator, by quarter."""
    released_now = {key[3] for key in shown[quarters[-1]] if key[:2] == (indicator, unit)}
    series: dict[str, list[float | None]] = {}
    for code, name in names.items():
        level = "NI" if code == NI_CODE else "TRUST"
        points = [_number(shown.get(q, {}).get((indicator, unit, level, code, "total", "total"))) for q in quarters]
        if code in released_now or any(point is not None for point in points):
            series[name] = points
    return series


def build_report(quarter: str, extract_rows: list, released_values: dict[str, list[list[tuple[str, ...]]]],
                 target: Path) -> Path:
    """Write the quarter's report from the extract's disclosure-controlled rows and, for the quarters before it,
    the values released to the same recipient: every number in it is one the recipient has received."""
    start, end = quarter_bounds(quarter)
    shown = _shown_values(extract_rows, released_values, quarter)
    quarters = sorted(shown)[-QUARTERS_SHOWN:]
    performance = {r.indicator for r in extract_rows if r.note and r.geographic_level == "TRUST"}
    names = {NI_CODE: "Northern Ireland", **{r.area_code: r.area_name for r in sorted(
        extract_rows, key=lambda r: r.area_code) if r.geographic_level == "TRUST" and r.indicator in performance}}
    waiting = _trust_series(shown, "median_days_to_allocation", "days", quarters, names)
    stability = _trust_series(shown, "lac_three_plus_placements", "percent", quarters, names)
    current = shown[quarter]
    trusts = {code: name.replace(" Health and Social Care Trust", "") for code, name in names.items()
              if code != NI_CODE}
    by_trust = [(trusts.get(area, area), _number(value)) for (indicator, unit, level, area, breakdown, _), value
                in sorted(current.items()) if (indicator, unit, level, breakdown) == (
                    "cp_register", "rate_per_10000", "TRUST", "total")]
    by_deprivation = [(f"quintile {code}", _number(value)) for (indicator, unit, level, _, breakdown, code), value
                      in sorted(current.items()) if (indicator, unit, level, breakdown) == (
                          "cp_register", "rate_per_10000", "NI", "deprivation_quintile") and code != "unknown"]
    workforce_bars = {indicator: [(trusts[code], _number(current.get((indicator, "percent", "TRUST", code, "total",
                                                                      "total")))) for code in sorted(trusts)]
                      for indicator in ("vacancy_rate", "agency_share")}
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
<p>{start:%d %B %Y} to {end:%d %B %Y}. Every value is the one in the Commissioner's extract for the quarter it
belongs to (this quarter's, or an earlier quarter's as it was released), under the same disclosure control: a
value suppressed there, or never released, is left out (a gap in a line, or <em>c</em> for a bar). The lines show the
quarters released to this recipient, at most the last {QUARTERS_SHOWN}: here from {_escape(quarters[0])}.</p>
{"".join(charts)}
</body>
</html>
"""
    target.write_text(page, encoding="utf-8")
    return target
