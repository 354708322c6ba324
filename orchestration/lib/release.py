"""Disclosure control across the releases to one recipient.

A recipient who keeps every extract can put them side by side. A 12-month count of events is the sum of its
four quarters' (the catalogue's ``over_periods`` is ``sum_of_quarters``); a count at the period end is the same
in a quarter and in the 12 months to its end (``at_period_end``). So a new release is protected together with
everything released before to the same recipient:

- cells shown before are facts the reader holds: they are never hidden now, and only cells of the new release
  may be hidden to protect them;
- cells hidden before are unknown to the reader, and a cell that an earlier release of the same quarter hid
  stays hidden;
- the quarters before the recipient's first release, which the first 12 months reach back into, are taken as
  known to the reader (other publications may hold them): a stronger reader than one who has only the
  releases, so a first release is safe whatever was published before it.

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


def linked(rows_by_quarter: dict[str, list[Row]], over_periods: dict[str, str], quarter: str) -> LinkedTables:
    tables = labelled_tables(rows_by_quarter)
    return LinkedTables.of(("releases to", quarter), tables, between_periods(tables, over_periods))


def protect_release(rows_by_quarter: dict[str, list[Row]], quarter: str, released: dict[Cell, str],
                    over_periods: dict[str, str], extra_hidden: dict[tuple, set] | None = None
                    ) -> dict[tuple, set]:
    """The cells of ``quarter``'s count tables to hide, by table name, given every earlier release's cells.

    ``rows_by_quarter`` holds the new release's rows under ``quarter`` and, under each other quarter in
    ``quarters_needed``, that quarter's rows as the current publication has them."""
    system = linked(rows_by_quarter, over_periods, quarter)
    new_labels = {text for text in system.parts if _unlabel(text)[3] == quarter}
    shown_before = {cell for cell, state in released.items() if state == SHOWN and cell in system.cells}
    stay_hidden = {cell for cell, state in released.items() if state == HIDDEN and cell in system.cells}
    known = {cell for cell in system.cells if cell[0] not in new_labels and cell not in stay_hidden}
    forced = {(label(name, quarter), *key) for name, keys in (extra_hidden or {}).items() for key in keys}
    hidden = disclosure.protect(system, stay_hidden | forced, released=shown_before | known)
    by_name: dict[tuple, set] = {}
    for cell in hidden:
        if cell[0] in new_labels:
            indicator, period_type, kind, _ = _unlabel(cell[0])
            by_name.setdefault((indicator, period_type, kind), set()).add(tuple(cell[1:]))
    return by_name


def attack(rows_by_quarter: dict[str, list[Row]], released: dict[Cell, str], over_periods: dict[str, str]
           ) -> list[disclosure.Finding]:
    """What a reader holding every release can work out: the audit of all of them together, with every relation
    within tables and between periods (quarters never released are known to this reader, as to the protection)."""
    latest = max(rows_by_quarter)
    system = linked(rows_by_quarter, over_periods, latest)
    hidden = {cell for cell in system.cells if released.get(cell) == HIDDEN}
    return disclosure.audit(system, hidden)
