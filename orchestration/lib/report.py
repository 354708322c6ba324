"""A readable quarterly report on system performance, written beside the Commissioner's extract.

One self-contained HTML page (inline SVG charts, no scripts or fonts from
elsewhere), rendered from released values only: this quarter's extract rows,
after disclosure control and its audit, and the values of earlier quarters as
they were released to the same recipient (the registry keeps them). Under each
chart a table gives every value it draws, as the extract shows it, a suppressed
one as ``[c]`` with the reason; each of its cells names the extract's cell it
shows (``data-cell``), so a test can hold every number to the extract.
Charts are read without colour: round-number axis ticks, a marker shape and a
line style per series, Northern Ireland drawn apart (a black line, or a
reference line across the Trusts' bars), values written on the bars.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib import disclosure
from orchestration.lib.quarters import quarter_bounds

PALETTE = ["#12436d", "#28a197", "#801650", "#f46a25", "#6b5e00", "#a285d1"]  # AA contrast on white
DASHES = ["", "8 4", "2 3", "10 3 2 3", "5 5", "1 6"]
MARKERS = ["circle", "triangle", "diamond", "square", "cross", "star"]
NI_COLOUR = "#0b0c0c"
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 320, 64, 24, 36, 48
QUARTERS_SHOWN = 8
NI_CODE = "N92000002"
NOT_RELEASED = "not released"

Key = tuple[str, str, str, str, str, str]  # (indicator, unit, level, area, breakdown, value)
Shown = dict[Key, str]


@dataclass(frozen=True)
class Point:
    """One value a chart draws: the extract's cell it comes from and the value as released (None: never)."""

    key: Key
    quarter: str
    shown: str | None

    @property
    def number(self) -> float | None:
        if self.shown is None or (self.shown in disclosure.SYMBOLS and self.shown != disclosure.TRUE_ZERO):
            return None
        return float(self.shown)

    @property
    def text(self) -> str:
        if self.shown is None:
            return NOT_RELEASED
        return disclosure.BRACKETED.get(self.shown, self.shown)


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def nice_ticks(largest: float, count: int = 5) -> list[float]:
    """Round-number ticks from 0 to at least ``largest``: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if largest <= 0:
        return [0.0, 1.0]
    raw = largest / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    top = math.ceil(largest / step - 1e-9) * step
    return [round(k * step, 10) for k in range(round(top / step) + 1)]


def tick_label(value: float, step: float) -> str:
    """A tick's label with as many decimals as the step needs (none for whole steps)."""
    decimals = next(d for d in range(6) if abs(round(step, d) - step) < 1e-9)
    return f"{value:,.{decimals}f}"


def _marker(shape: str, x: float, y: float, colour: str, title: str) -> str:
    tip = f"<title>{_escape(title)}</title>"
    if shape == "circle":
        return f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip}</circle>'
    if shape == "square":
        return (f'<rect class="point" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">'
                f'{tip}</rect>')
    offsets = {"triangle": [(0, -5), (5, 4), (-5, 4)], "diamond": [(0, -5), (5, 0), (0, 5), (-5, 0)],
               "cross": [(-2, -5), (2, -5), (2, -2), (5, -2), (5, 2), (2, 2), (2, 5), (-2, 5), (-2, 2), (-5, 2),
                         (-5, -2), (-2, -2)],
               "star": [(0, -6), (2, -2), (6, -2), (3, 1), (4, 6), (0, 3), (-4, 6), (-3, 1), (-6, -2), (-2, -2)]}
    points = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in offsets[shape])
    return f'<polygon class="point" points="{points}" fill="{colour}">{tip}</polygon>'


def _style(index: int, name: str) -> tuple[str, str, str, float]:
    """Colour, dash pattern, marker and width of a series; Northern Ireland black, solid, square and heavier."""
    if name == "Northern Ireland":
        return NI_COLOUR, "", "square", 3.5
    return PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)], MARKERS[index % len(MARKERS)], 2.0


def _axes(ticks: list[float], unit: str) -> tuple[list[str], float]:
    top = ticks[-1]
    step = ticks[1] - ticks[0]
    plot_height = HEIGHT - TOP - BOTTOM
    parts = [f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" stroke="#505a5f"/>']
    for tick in ticks:
        y = HEIGHT - BOTTOM - plot_height * tick / top
        if tick:
            parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#dcdcdc"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">'
                     f'{tick_label(tick, step)}</text>')
    parts.append(f'<text x="{LEFT}" y="{TOP - 14}" font-size="12">{_escape(unit)}</text>')
    return parts, top


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top


def line_chart(chart_id: str, title: str, quarters: list[str], series: dict[str, list[Point]], unit: str) -> str:
    """Lines over quarters, one marker shape and line style per series; a gap where a value is not shown."""
    values = [p.number for points in series.values() for p in points if p.number is not None]
    parts, top = _axes(nice_ticks(max(values, default=1)), unit)
    step = (WIDTH - LEFT - RIGHT - 40) / max(len(quarters) - 1, 1)
    x_of = {q: LEFT + 20 + i * step for i, q in enumerate(quarters)}
    parts += [f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12">{_escape(q)}</text>'
              for q, x in x_of.items()]
    legend = []
    ordered = sorted(series.items(), key=lambda item: item[0] != "Northern Ireland")  # drawn last, on top
    for index, (name, points) in reversed(list(enumerate(ordered))):
        colour, dash, shape, width = _style(index, name)
        segments: list[list[tuple[float, float]]] = [[]]
        for point in points:
            if point.number is None:
                segments.append([])
            else:
                segments[-1].append((x_of[point.quarter], _y(point.number, top)))
        for segment in (s for s in segments if s):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            parts.append(f'<polyline class="series" data-series="{_escape(name)}" points="{path}" fill="none" '
                         f'stroke="{colour}" stroke-width="{width}" stroke-dasharray="{dash}"/>')
        parts += [_marker(shape, x_of[p.quarter], _y(p.number, top), colour, f"{name}, {p.quarter}: {p.text}")
                  for p in points if p.number is not None]
        legend.insert(0, _legend_entry(name, colour, dash, shape, width))
    table = _table(chart_id, title, "Quarter", quarters, {name: {p.quarter: p for p in points}
                                                          for name, points in ordered})
    return _figure(chart_id, title, parts, legend, table)


def bar_chart(chart_id: str, title: str, bars: list[tuple[str, Point]], unit: str, reference: Point | None,
              reference_name: str = "Northern Ireland") -> str:
    """A bar per category with its value written on it, ``[c]`` where it is not shown, and Northern Ireland (or
    another reference) as a line across them."""
    values = [p.number for _, p in bars if p.number is not None]
    if reference is not None and reference.number is not None:
        values.append(reference.number)
    parts, top = _axes(nice_ticks(max(values, default=1)), unit)
    slot = (WIDTH - LEFT - RIGHT) / max(len(bars), 1)
    for i, (label, point) in enumerate(bars):
        x = LEFT + i * slot + slot * 0.15
        centre = x + slot * 0.35
        parts.append(f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12">'
                     f'{_escape(label)}</text>')
        if point.number is None:
            parts.append(f'<text class="hidden-value" x="{centre:.1f}" y="{HEIGHT - BOTTOM - 6}" '
                         f'text-anchor="middle" font-size="12">{_escape(point.text)}</text>')
            continue
        y = _y(point.number, top)
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{PALETTE[0]}"><title>{_escape(label)}: '
                     f'{_escape(point.text)}</title></rect>')
        parts.append(f'<text x="{centre:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="12">'
                     f'{_escape(point.text)}</text>')
    legend = []
    values_by_row = dict(bars)
    rows = [label for label, _ in bars]
    if reference is not None:
        values_by_row[reference_name] = reference
        rows.append(reference_name)
        if reference.number is not None:
            y = _y(reference.number, top)
            parts.append(f'<line class="reference" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                         f'stroke="{NI_COLOUR}" stroke-width="2" stroke-dasharray="8 4"><title>'
                         f'{_escape(reference_name)}: {_escape(reference.text)}</title></line>')
        legend.append(_legend_entry(f"{reference_name}: {reference.text}", NI_COLOUR, "8 4", None, 2))
    table = _table(chart_id, title, "Category", rows, {"Value": values_by_row})
    return _figure(chart_id, title, parts, legend, table)


def _legend_entry(name: str, colour: str, dash: str, shape: str | None, width: float) -> str:
    marker = _marker(shape, 18, 8, colour, name) if shape else ""
    return (f'<li><svg width="36" height="16" aria-hidden="true"><line x1="2" y1="8" x2="34" y2="8" '
            f'stroke="{colour}" stroke-width="{width}" stroke-dasharray="{dash}"/>{marker}</svg>'
            f'{_escape(name)}</li>')


def _table(chart_id: str, title: str, first: str, rows: list[str], columns: dict[str, dict[str, Point]]) -> str:
    """The chart's values as a table: a row per category or quarter, a column per series."""
    head = "".join(f'<th scope="col">{_escape(name)}</th>' for name in columns)
    body = []
    for row in rows:
        cells = []
        for points in columns.values():
            point = points.get(row)
            if point is None:
                cells.append("<td></td>")
                continue
            cell = "|".join((*point.key, point.quarter))
            reason = (f' title="{_escape(disclosure.SYMBOLS[point.shown])}"'
                      if point.shown in disclosure.BRACKETED else "")
            cells.append(f'<td data-cell="{_escape(cell)}"{reason}>{_escape(point.text)}</td>')
        body.append(f'<tr><th scope="row">{_escape(row)}</th>{"".join(cells)}</tr>')
    return (f'<details open><summary>Values in the chart: {_escape(title)}</summary>'
            f'<table id="{chart_id}-values"><thead><tr><th scope="col">{_escape(first)}</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></details>')


def _figure(chart_id: str, title: str, parts: list[str], legend: list[str], table: str) -> str:
    svg = (f'<svg role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-note" '
           f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">{"".join(parts)}</svg>')
    keys = f'<ul class="legend">{"".join(legend)}</ul>' if legend else ""
    return (f'<figure class="chart" id="{chart_id}"><figcaption id="{chart_id}-title">{_escape(title)}'
            f'</figcaption>{keys}{svg}<p id="{chart_id}-note" class="note">Every value drawn is in the table '
            f'below.</p>{table}</figure>')


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


def _point(shown: dict[str, Shown], quarter: str, key: Key) -> Point:
    return Point(key, quarter, shown.get(quarter, {}).get(key))


def _trust_series(shown: dict[str, Shown], indicator: str, unit: str, quarters: list[str], names: dict[str, str]
                  ) -> dict[str, list[Point]]:
    """Northern Ireland's and each providing Trust's value of a performance indicator, by quarter."""
    series: dict[str, list[Point]] = {}
    for code, name in names.items():
        level = "NI" if code == NI_CODE else "TRUST"
        points = [_point(shown, q, (indicator, unit, level, code, "total", "total")) for q in quarters]
        if any(point.shown is not None for point in points):
            series[name] = points
    return series


SYMBOLS_EXPLAINED = "".join(
    f"<dt>{_escape(text)}</dt><dd>{_escape(disclosure.SYMBOLS[symbol])}</dd>"
    for symbol, text in disclosure.BRACKETED.items())


def build_report(quarter: str, extract_rows: list, released_values: dict[str, list[list[tuple[str, ...]]]],
                 target: Path) -> Path:
    """Write the quarter's report from the extract's disclosure-controlled rows and, for the quarters before it,
    the values released to the same recipient: every number in it is one the recipient has received."""
    start, end = quarter_bounds(quarter)
    shown = _shown_values(extract_rows, released_values, quarter)
    quarters = sorted(shown)[-QUARTERS_SHOWN:]
    performance = {r.indicator for r in extract_rows if r.note and r.geographic_level == "TRUST"}
    names = {NI_CODE: "Northern Ireland", **{r.area_code: r.area_name.replace(" Health and Social Care Trust", "")
                                             for r in sorted(extract_rows, key=lambda r: r.area_code)
                                             if r.geographic_level == "TRUST" and r.indicator in performance}}
    trusts = {code: name for code, name in names.items() if code != NI_CODE}

    def current(indicator: str, unit: str, level: str, area: str, breakdown: str = "total",
                value: str = "total") -> Point:
        return _point(shown, quarter, (indicator, unit, level, area, breakdown, value))

    by_trust = [(name, current("cp_register", "rate_per_10000", "TRUST", code)) for code, name in trusts.items()]
    quintiles = [(f"Quintile {value}", current("cp_register", "rate_per_10000", "NI", NI_CODE,
                                               "deprivation_quintile", value)) for value in "12345"]
    ni_register = current("cp_register", "rate_per_10000", "NI", NI_CODE)

    def workforce(indicator: str) -> list[tuple[str, Point]]:
        return [(name, current(indicator, "percent", "TRUST", code)) for code, name in trusts.items()]

    charts = [
        line_chart("waiting-times", "Median days from referral to allocation, by providing Trust, by quarter",
                   quarters, _trust_series(shown, "median_days_to_allocation", "days", quarters, names), "days"),
        bar_chart("rates-by-trust", f"Children on the child protection register per 10,000 children, by Trust of "
                                    f"residence, at {end:%-d %B %Y}", by_trust, "per 10,000", ni_register),
        bar_chart("rates-by-deprivation", f"Children on the child protection register per 10,000 children, by "
                                          f"deprivation quintile (1 = most deprived), at {end:%-d %B %Y}",
                  quintiles, "per 10,000", ni_register),
        line_chart("placement-stability", "Looked-after children with three or more placements in 12 months, per "
                                          "cent, by providing Trust, by quarter", quarters,
                   _trust_series(shown, "lac_three_plus_placements", "percent", quarters, names), "per cent"),
        bar_chart("workforce-vacancies", f"Vacancy rate (vacant over funded FTE), per cent, by Trust, {quarter}",
                  workforce("vacancy_rate"), "per cent", current("vacancy_rate", "percent", "NI", NI_CODE)),
        bar_chart("workforce-agency", f"Agency share of staff in post (FTE), per cent, by Trust, {quarter}",
                  workforce("agency_share"), "per cent", current("agency_share", "percent", "NI", NI_CODE)),
    ]
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>System performance report, {_escape(quarter)}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 0; color: #0b0c0c; line-height: 1.4; }}
header, main, footer {{ max-width: 60em; margin: 0 auto; padding: 0 1.5em; }}
header {{ border-bottom: 4px solid #12436d; }}
figure.chart {{ margin: 2.5em 0; }} figcaption {{ font-weight: bold; font-size: 1.1em; margin-bottom: .5em; }}
svg {{ max-width: 100%; height: auto; }}
ul.legend {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3em 1.5em; margin: .3em 0; }}
ul.legend li {{ display: flex; align-items: center; gap: .4em; }}
p.note {{ font-size: .9em; margin: .2em 0; }}
table {{ border-collapse: collapse; margin: .5em 0; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: .25em .8em; text-align: right; }}
th[scope=row], thead th:first-child {{ text-align: left; }}
summary {{ cursor: pointer; color: #1d70b8; }}
summary:focus, a:focus {{ outline: 3px solid #fd0; }}
dl {{ display: grid; grid-template-columns: 8em 1fr; gap: .3em 1em; }} dt {{ font-weight: bold; }} dd {{ margin: 0; }}
</style>
</head>
<body>
<header>
<h1>Children's services: system performance, {_escape(quarter)}</h1>
<p>{start:%-d %B %Y} to {end:%-d %B %Y}. Northern Ireland's HSC Trusts, as released to the Northern Ireland
Commissioner for Children and Young People.</p>
</header>
<main>
<h2>About these figures</h2>
<p>Every value is the one in the Commissioner's extract for the quarter it belongs to (this quarter's, or an
earlier quarter's as it was released), under the same disclosure control. The lines show the quarters released to
this recipient, at most the last {QUARTERS_SHOWN}: here from {_escape(quarters[0])}. Northern Ireland is drawn in
black: a heavier line with square markers, or a dashed line across the Trusts' bars. A value that is not shown is a
gap in a line or a symbol in place of a bar, and its table cell says why:</p>
<dl>{SYMBOLS_EXPLAINED}<dt>{NOT_RELEASED}</dt><dd>No value for this quarter was released to this recipient.</dd></dl>
<h2>Charts</h2>
{"".join(charts)}
</main>
<footer>
<p>Source: regional children's data warehouse. The same values, with every other indicator, are in
indicators.csv and indicators.xlsx beside this page.</p>
</footer>
</body>
</html>
"""
    target.write_text(page, encoding="utf-8")
    return target
