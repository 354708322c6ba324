"""Disclosure control across the releases to one recipient.

A recipient who keeps every extract can put them side by side. A 12-month count of events is the sum of its
four quarters' (the catalogue's ``over_periods`` is ``sum_of_quarters``); a count at the period end is the same
in a quarter and in the 12 months to its end (``at_period_end``). So a new release is protected together with
everything released before to the same recipient:

- cells shown before are facts the reader holds: they are never hidden now, and only cells of the new release
  may be hidden to protect them;
- cells hidden before are unknown to the reader, and a cell that an earlier release of the same quarter hid
  stays hidden;
- the quarters before the recipient's first release, which its first 12 months reach back into, are unknown
  to the reader, and protected as well: no release lets the reader pin a small count of a quarter it was
  never given within 1 to 4 (12 months less the quarters released leave those quarters' sum). A larger count
  of such a quarter may be worked out: it would have been shown had that quarter been released.
  A first release is so protected against the releases to the same recipient; what other publications
  (under their own control) add to them is not taken into account.

A cell is named by its table's label (indicator, period type, kind of count, quarter) and its key. The values
of earlier releases are taken from the current publication: exact when they were built from it, and off by
whatever resubmissions changed since otherwise (README, "Disclosure control").
"""

from __future__ import annotations

from collections.abc import Iterable

from orchestration.lib import disclosure
from orchestration.lib.disclosure import CountTable, LinkedTables, Row
from orchestration.lib.quarters import previous_quarter

SUM_OF_QUARTERS, AT_PERIOD_END = "sum_of_quarters", "at_period_end"
QUARTER, TWELVE_MONTHS = "quarter", "12_months"
HIDDEN, SHOWN = "hidden", "shown"

Cell = tuple  # (table label, geographic level, area code, breakdown, breakdown value)


def label(name: tuple, quarter: str) -> str:
    """A count table's label across releases: its name and the quarter its period ends with."""
    return "|".join((*map(str, name), quarter))


def _unlabel(text: str) -> tuple[str, str, str, str]:
    indicator, period_type, kind, quarter = text.split("|")
    return indicator, period_type, kind, quarter


def window(quarter: str) -> list[str]:
    """The four quarters of the 12 months ending with ``quarter``, latest first."""
    quarters = [quarter]
    while len(quarters) < 4:
        quarters.append(previous_quarter(quarters[-1]))
    return quarters


def quarters_needed(released: Iterable[str], quarter: str) -> list[str]:
    """Every quarter whose tables the protection of ``quarter`` reads: the releases and their windows."""
    needed = {q for r in {*released, quarter} for q in window(r)}
    return sorted(needed)


def labelled_tables(rows_by_quarter: dict[str, list[Row]]) -> dict[str, CountTable]:
    return {label(name, quarter): table for quarter, rows in rows_by_quarter.items()
            for name, table in disclosure.count_tables(rows).items()}


def between_periods(tables: dict[str, CountTable], over_periods: dict[str, str]) -> list[tuple[Cell, list[Cell]]]:
    """The relations between periods: each 12-month cell and the quarters' cells it is made of."""
    relations = []
    for text, table in tables.items():
        indicator, period_type, kind, quarter = _unlabel(text)
        how = over_periods.get(indicator)
        if period_type != TWELVE_MONTHS or how not in (SUM_OF_QUARTERS, AT_PERIOD_END):
            continue
        quarters = window(quarter) if how == SUM_OF_QUARTERS else [quarter]
        labels = [label((indicator, QUARTER, kind), q) for q in quarters]
        if not all(other in tables for other in labels):
            continue
        for key in table.cells:
            relations.append(((text, *key), [(other, *key) for other in labels]))
    return relations


def recorded_cells(rows: list[Row], quarter: str) -> dict[Cell, str]:
    """What a release shows of each cell of its count tables: what the audit log keeps of it."""
    hidden = unpublished_cells(rows)
    states: dict[Cell, str] = {}
    for row in sorted(rows, key=lambda r: r.unit != "count"):
        name = row.count_table
        if name is None:
            continue
        cell = (label(name, quarter), *row.key)
        if cell not in states:
            states[cell] = HIDDEN if (name, row.key) in hidden else SHOWN
    return states


def unpublished_cells(rows: list[Row]) -> set[tuple[tuple, tuple]]:
    """The count-table cells a reader cannot read: a hidden count, or a percentage not shown (its numerator)."""
    unpublished = set()
    for row in rows:
        if row.count_table is None:
            continue
        symbols = (disclosure.SUPPRESSED, disclosure.NOT_AVAILABLE) if row.unit == "percent" else (
            disclosure.SUPPRESSED,)
        if row.unit in ("count", "percent") and row.shown in symbols:
            unpublished.add((row.count_table, row.key))
    return unpublished


def history(released_values: dict[str, list[list[tuple[str, ...]]]]) -> dict[Cell, str]:
    """What the recipient holds of each cell, from every value released to it (``Registry.released_values``): a
    cell shown in any release of its quarter is known; one hidden in every release is not."""
    states: dict[Cell, str] = {}
    for quarter, extracts in released_values.items():
        for values in extracts:
            rows = [Row(indicator, unit, period_type, level, area, breakdown, value, None, None, None, shown=shown)
                    for indicator, unit, period_type, level, area, breakdown, value, shown in values]
            states = holding(states, rows, quarter)
    return states


def holding(held: dict[Cell, str], rows: list[Row], quarter: str) -> dict[Cell, str]:
    """What the recipient holds once a new release of ``quarter`` (its rows shown) reaches it."""
    states = dict(held)
    for cell, state in recorded_cells(rows, quarter).items():
        if states.get(cell) != SHOWN:
            states[cell] = state
    return states


def quarter_of(cell: Cell) -> str:
    return _unlabel(cell[0])[3]


def released_quarters(released: dict[Cell, str]) -> set[str]:
    return {quarter_of(cell) for cell in released}


def systems(rows_by_quarter: dict[str, list[Row]], over_periods: dict[str, str], releases: set[str]
            ) -> dict[tuple[str, str], LinkedTables]:
    """The linked tables a reader of ``releases`` (the quarters released, and the new one) relates, one system per
    indicator and kind of count: nothing links two indicators, so each is protected and attacked alone.

    A system holds the released quarters' tables and the quarters' tables their 12 months are made of; a
    table of a quarter never released is unknown to the reader (all its cells hidden)."""
    tables = labelled_tables(rows_by_quarter)
    ours = {text: table for text, table in tables.items() if _unlabel(text)[3] in releases}
    between = between_periods(tables, over_periods)
    between = [(total, parts) for total, parts in between if total[0] in ours]
    referenced = {part[0] for _, parts in between for part in parts}
    grouped: dict[tuple[str, str], dict[str, CountTable]] = {}
    for text, table in tables.items():
        if text in ours or text in referenced:
            indicator, _, kind, _ = _unlabel(text)
            grouped.setdefault((indicator, kind), {})[text] = table
    relations: dict[tuple[str, str], list] = {}
    for total, parts in between:
        indicator, _, kind, _ = _unlabel(total[0])
        relations.setdefault((indicator, kind), []).append((total, parts))
    return {group: LinkedTables.of(("releases of", *group), parts, relations.get(group, []))
            for group, parts in sorted(grouped.items())}


def _unknown(system: LinkedTables, releases: set[str]) -> set[Cell]:
    return {cell for cell in system.cells if quarter_of(cell) not in releases}


def protect_release(rows_by_quarter: dict[str, list[Row]], quarter: str, released: dict[Cell, str],
                    over_periods: dict[str, str], extra_hidden: dict[tuple, set] | None = None,
                    method: str = "optimal") -> dict[tuple, set]:
    """The cells of ``quarter``'s count tables to hide, by table name, given every earlier release's cells.

    ``rows_by_quarter`` holds the new release's rows under ``quarter`` and, under each other quarter in
    ``quarters_needed``, that quarter's rows as the current publication has them. A cell hidden before must stay
    protected in every later 12 months that holds it, so the optimal method prefers to hide again the cells of
    the same area and breakdown value as cells hidden before (one chain of hidden cells rather than several)."""
    releases = released_quarters(released) | {quarter}
    forced = {(label(name, quarter), *key) for name, keys in (extra_hidden or {}).items() for key in keys}
    by_name: dict[tuple, set] = {}
    for system in systems(rows_by_quarter, over_periods, releases).values():
        shown_before = {cell for cell in system.cells if released.get(cell) == SHOWN}
        hidden_before = {cell for cell in system.cells if released.get(cell) == HIDDEN}
        unknown = _unknown(system, releases)
        fixed = hidden_before | unknown | (forced & system.cells.keys())
        hidden_keys = {cell[1:] for cell in hidden_before}
        again = {cell for cell in system.cells if quarter_of(cell) == quarter and cell[1:] in hidden_keys}
        for cell in disclosure.protect(system, fixed, released=shown_before, method=method, unpublished=unknown,
                                       preferred=again):
            if quarter_of(cell) == quarter:
                indicator, period_type, kind, _ = _unlabel(cell[0])
                by_name.setdefault((indicator, period_type, kind), set()).add(tuple(cell[1:]))
    return by_name


def attack(rows_by_quarter: dict[str, list[Row]], released: dict[Cell, str], over_periods: dict[str, str]
           ) -> list[disclosure.Finding]:
    """What a reader holding every release can work out: the audit of all of them together, with every relation
    within tables and between periods. The quarters never released are unknown to this reader, and a small
    count of theirs pinned within 1 to 4 by the releases is a finding too."""
    releases = released_quarters(released)
    findings = []
    for system in systems(rows_by_quarter, over_periods, releases).values():
        unknown = _unknown(system, releases)
        hidden = {cell for cell in system.cells if released.get(cell) == HIDDEN} | unknown
        findings.extend(disclosure.audit(system, hidden, unpublished=unknown))
    return findings
