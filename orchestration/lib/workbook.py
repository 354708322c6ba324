"""The Commissioner's workbook: the extract's values laid out as official statistics lay them out.

One worksheet per topic of the catalogue, each holding one table an analyst reads
across: a row per period, area and breakdown category, a column per indicator
(the register by Trust and age band reads as rows of Trusts and age bands, with the
count and the rate side by side). Codes never reach a cell: areas, breakdowns,
categories and indicators carry the labels of the published database
(``dim_breakdown_values``, ``dim_indicators``). Symbols are written as the
Analysis Function's guidance on releasing statistics in spreadsheets writes them
(``[c]``, ``[x]``, ``[z]``), column widths and print settings are set, and the
cover carries the release and the next release dates. The tidy CSV keeps the
codes and the bare symbols for machines; every value here is one of its values.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib import disclosure
from orchestration.lib.quarters import quarter_bounds

NOT_PUBLISHED_HERE = disclosure.BRACKETED[disclosure.NOT_APPLICABLE]
LEVEL_LABELS = {"NI": "Northern Ireland", "TRUST": "Trust", "LGD": "Local Government District"}
UNIT_SUFFIX = {"count": " (number)", "rate_per_10000": "", "percent": " (%)", "days": "", "gbp": " (£)"}
NUMBER_FORMATS = {"count": "#,##0", "percent": "0.0", "rate_per_10000": "0.0", "days": "0.0", "gbp": "#,##0"}
PLACE_COLUMNS = ["Period", "Area type", "Area", "Area code", "Breakdown", "Category"]
PLACE_WIDTHS = [21, 14, 26, 11, 18, 24]
VALUE_WIDTH = 16
LINE_HEIGHT = 15.75  # points, a line of the theme's 12-point Arial
# gptables writes the title, the subtitles, then instructions, source and scope, and the table after them.
HEADER_ROW_AFTER_SUBTITLES = 4
# Topics in this order (dim_indicators.topic); a topic not listed comes after these, in alphabetical order.
TOPIC_ORDER = ["Referrals", "Child_protection", "Looked_after", "Early_help", "Service_performance"]


@dataclass(frozen=True)
class Labels:
    """What a reader sees instead of a code, from the published database."""

    indicators: dict[tuple[str, str], str]  # (indicator, unit) -> label
    topics: dict[str, str]  # indicator -> topic
    breakdowns: dict[str, str]  # breakdown -> label
    values: dict[tuple[str, str], str]  # (breakdown, value) -> label

    def indicator(self, indicator: str, unit: str) -> str:
        return self.indicators.get((indicator, unit), indicator) + UNIT_SUFFIX.get(unit, f" ({unit})")

    def category(self, breakdown: str, value: str) -> str:
        return self.values.get((breakdown, value), value)


def load_labels(con: duckdb.DuckDBPyConnection) -> Labels:
    """Labels of the catalogue (the first mart's where an indicator is in several) and of the breakdowns."""
    indicators: dict[tuple[str, str], str] = {}
    topics: dict[str, str] = {}
    for indicator, unit, label, topic in con.execute(
            "select indicator, unit, label, topic from dim_indicators order by indicator, unit, mart").fetchall():
        indicators.setdefault((indicator, unit), label)
        topics.setdefault(indicator, topic)
    breakdowns, values = {}, {}
    for breakdown, value, breakdown_label, value_label in con.execute(
            "select breakdown, breakdown_value, breakdown_label, value_label from dim_breakdown_values").fetchall():
        breakdowns[breakdown] = breakdown_label
        values[(breakdown, value)] = value_label
    return Labels(indicators, topics, breakdowns, values)


def cell(shown: str) -> float | str:
    """A released value as a spreadsheet cell: a number, or the symbol as the guidance writes it."""
    if shown in disclosure.BRACKETED:
        return disclosure.BRACKETED[shown]
    return float(shown)


def period_label(period_type: str, start: str, end: str) -> str:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if period_type == "quarter":
        return f"{first:%-d %b} to {last:%-d %b %Y}"
    return f"12 months to {last:%-d %b %Y}"


def topic_title(topic: str) -> str:
    return topic.replace("_", " ").capitalize()


def _topic_rank(topic: str) -> tuple[int, str]:
    return (TOPIC_ORDER.index(topic), "") if topic in TOPIC_ORDER else (len(TOPIC_ORDER), topic)


@dataclass
class TopicTable:
    """One topic's values, a row per place (period, area, breakdown category) and a column per indicator."""

    columns: list[tuple[str, str]]  # (indicator, unit), in the extract's order
    places: list[tuple]  # in the extract's order
    values: dict[tuple, dict[tuple[str, str], str]]  # place -> (indicator, unit) -> shown
    notes: dict[tuple[str, str], list[str]]  # (indicator, unit) -> the distinct notes its rows carry


def topic_tables(rows: list, labels: Labels, place_order: Callable) -> dict[str, TopicTable]:
    """Pivot the extract's rows into one table per topic, keeping every value and every note."""
    tables: dict[str, TopicTable] = {}
    for row in sorted(rows, key=place_order):
        table = tables.setdefault(labels.topics[row.indicator], TopicTable([], [], {}, {}))
        column = (row.indicator, row.unit)
        place = (row.period_type, row.period_start, row.period_end, row.geographic_level, row.area_code,
                 row.area_name, row.breakdown, row.breakdown_value)
        if column not in table.notes:
            table.columns.append(column)
            table.notes[column] = []
        if place not in table.values:
            table.places.append(place)
            table.values[place] = {}
        table.values[place][column] = row.shown
        if row.note and row.note not in table.notes[column]:
            table.notes[column].append(row.note)
    units = list(UNIT_SUFFIX)
    for table in tables.values():  # by the indicator's label, its count before its rate or percentage
        first_label = {}
        for indicator, unit in sorted(table.columns, key=lambda c: units.index(c[1]) if c[1] in units else 9):
            first_label.setdefault(indicator, labels.indicators.get((indicator, unit), indicator))
        table.columns.sort(key=lambda c: (first_label[c[0]], units.index(c[1]) if c[1] in units else 9, c[1]))
    return tables


def _frame(table: TopicTable, labels: Labels):
    import pandas as pd

    records = []
    for place in table.places:
        period_type, start, end, level, area_code, area_name, breakdown, value = place
        shown = table.values[place]
        records.append([period_label(period_type, start, end), LEVEL_LABELS.get(level, level), area_name, area_code,
                        labels.breakdowns.get(breakdown, breakdown), labels.category(breakdown, value),
                        *(cell(shown[c]) if c in shown else NOT_PUBLISHED_HERE for c in table.columns)])
    return pd.DataFrame(records, columns=PLACE_COLUMNS + [labels.indicator(*c) for c in table.columns])


@dataclass(frozen=True)
class Release:
    quarter: str
    release_date: dt.date
    next_release_date: dt.date
    title: str
    source: str
    contact: str


def write_workbook(path: Path, release: Release, rows: list, metadata: list[list[str]],
                   metadata_columns: list[str], labels: Labels, place_order: Callable) -> None:
    """Write the workbook: cover, contents, notes, a sheet per topic, the definitions."""
    import gptables as gpt
    import pandas as pd

    start, end = quarter_bounds(release.quarter)
    tables = topic_tables(rows, labels, place_order)
    note_texts: list[str] = []
    for table in tables.values():
        for column in table.columns:
            note_texts.extend(n for n in table.notes[column] if n not in note_texts)
    note_refs = {text: f"note{n}" for n, text in enumerate(note_texts, 5)}
    instructions = ("This worksheet contains one table. Each row is a period, an area and a category of a breakdown; "
                    "each column after Category is an indicator. Notes and symbols are on the Notes worksheet.")
    sheets, widths, headers = {}, {}, {}
    for number, (topic, table) in enumerate(sorted(tables.items(), key=lambda t: _topic_rank(t[0])), 1):
        frame = _frame(table, labels)
        first_value = len(PLACE_COLUMNS)
        formats = [{"column": {"columns": [first_value + i], "include_names": False,
                               "format": {"num_format": NUMBER_FORMATS[unit], "align": "right"}}}
                   for i, (_, unit) in enumerate(table.columns) if unit in NUMBER_FORMATS]
        column_notes = {first_value + i: "".join(f"$${note_refs[n]}$$" for n in table.notes[c])
                        for i, c in enumerate(table.columns) if table.notes[c]}
        name = topic_title(topic)
        subtitles = ["Symbols: [c] suppressed to protect confidentiality, [x] not available, [z] not applicable; "
                     "0 is a true zero$$symbols$$", "Every value has passed statistical disclosure control$$control$$"]
        header_row = HEADER_ROW_AFTER_SUBTITLES + len(subtitles)
        sheets[name] = gpt.GPTable(
            table=frame,
            table_name=f"table_{number}_{topic.lower()}",
            title=f"Table {number}: {name}, Northern Ireland, Trusts and Local Government Districts, "
                  f"{start:%-d %B} to {end:%-d %B %Y} and the 12 months to {end:%-d %B %Y}$$areas$$",
            subtitles=subtitles,
            instructions=instructions,
            scope="Northern Ireland, Trusts and Local Government Districts",
            source=release.source,
            table_notes=column_notes or None,
            additional_formatting=formats,
            table_row_index=header_row,
        )
        widths[name] = PLACE_WIDTHS + [VALUE_WIDTH] * len(table.columns)
        headers[name] = (header_row, max(_lines(str(h), w) for h, w in zip(frame.columns, widths[name], strict=True))
                         + any(table.notes.values()))
    definitions = pd.DataFrame([[field or "None" for field in record] for record in metadata],
                               columns=[c.replace("_", " ").capitalize() for c in metadata_columns])
    sheets["Definitions"] = gpt.GPTable(
        table=definitions, table_name="indicator_definitions",
        title=f"Table {len(sheets) + 1}: Definitions of the indicators$$definitions$$",
        instructions="This worksheet contains one table: one row per indicator and unit, as in metadata.csv.",
        source="Section 7.2.1 of the regional data specification")
    widths["Definitions"] = [30, 40, 14, 70, 30, 30, 24, 60]
    notes = pd.DataFrame({
        "Note reference": ["areas", "symbols", "control", "definitions", *note_refs.values()],
        "Note text": [
            "Areas are the Trust and Local Government District where the child lives, except service performance, "
            "which is by providing Trust. Northern Ireland includes children whose area is not known.",
            "[c]: " + disclosure.SYMBOLS[disclosure.SUPPRESSED] + " [x]: "
            + disclosure.SYMBOLS[disclosure.NOT_AVAILABLE] + " [z]: " + disclosure.SYMBOLS[disclosure.NOT_APPLICABLE]
            + " [z] also marks a breakdown that is not published for that indicator. 0: "
            + disclosure.SYMBOLS[disclosure.TRUE_ZERO],
            "No count from 1 to 4 is shown, and no suppressed value can be worked out from the totals (breakdowns "
            "add up to their total; Trusts and LGDs add up to Northern Ireland) or from earlier releases. A "
            "percentage, rate or median on fewer than 10 cases, or whose numerator is suppressed, is [c].",
            "Ages are whole years at the event (at the period end for counts at the period end). A child's "
            "characteristics are their latest recorded values. Rates are per 10,000 children aged 0 to 17.",
            *note_texts,
        ],
    })
    cover = gpt.Cover(
        title=release.title,
        intro=[f"Period: {start:%-d %B %Y} to {end:%-d %B %Y} ({release.quarter}), and the 12 months to "
               f"{end:%-d %B %Y}.",
               f"Release date: {release.release_date:%-d %B %Y}.",
               f"Next release: {release.next_release_date:%-d %B %Y}, for the quarter after."],
        about=[f"Source: {release.source}.",
               "One worksheet per topic, each a table of every area and breakdown with one column per indicator. "
               "The same values are in indicators.csv, one row per value, with the codes for machines.",
               "Every value has passed statistical disclosure control; the symbols are explained on the Notes "
               "worksheet and the indicators on the Definitions worksheet."],
        contact=[release.contact],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # gptables' advice on empty cells: there are none
        workbook = gpt.produce_workbook(filename=str(path), sheets=sheets, cover=cover, notes_table=notes,
                                        auto_width=False)
    for name, column_widths in widths.items():
        sheet = workbook.get_worksheet_by_name(name)
        _print_ready(sheet, column_widths)
        if name in headers:  # the wrapped headings get the height they need (no viewer has to guess it)
            row, lines = headers[name]
            sheet.set_row(row, LINE_HEIGHT * lines)
            sheet.repeat_rows(row)
    for name, column_widths in {"Cover": [90], "Contents": [20, 90], "Notes": [20, 100]}.items():
        sheet = workbook.get_worksheet_by_name(name)
        if sheet is not None:
            _print_ready(sheet, column_widths)
    moment = dt.datetime.combine(release.release_date, dt.time())
    workbook.set_properties({"title": release.title, "subject": release.quarter, "created": moment})
    workbook.close()


def _lines(text: str, width: int) -> int:
    """Lines a heading wraps to in a column of this width (characters of the default font, a little spare)."""
    lines, length = 1, 0
    for word in text.split():
        if length and length + 1 + len(word) > width - 2:
            lines, length = lines + 1, len(word)
        else:
            length += len(word) + (1 if length else 0)
    return lines


def _print_ready(sheet, column_widths: list[int]) -> None:
    """Widths a reader can read, and pages that print: landscape A4, one page wide, the header on every page."""
    for index, width in enumerate(column_widths):
        sheet.set_column(index, index, width)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
