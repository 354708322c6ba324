"""Read a provider file into a table of text columns named as layout v1 (spec section 2).

CSV must be UTF-8 (a byte-order mark is tolerated); XLSX is read from its
first sheet with the header in row 1. Header names match case-insensitively,
ignoring surrounding spaces; the layout (v1 or legacy v0) is recognised from
the header. Typing and code checks happen later, in SQL, so that every bad
cell is reported rather than the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from sources.contract import Contract

FILE_NAME = re.compile(
    r"^(?P<provider>[A-Z]+[0-9]*)_(?P<feed>[a-z_]+?)_(?P<period>\d{4}-(?:0[1-9]|1[0-2]|Q[1-4]))\.(?P<ext>csv|xlsx)$")
ROW_NUMBER = "_source_row"


class SubmissionError(Exception):
    """A whole file cannot be used; the message says why, for the provider's data officer."""


@dataclass(frozen=True)
class ParsedFile:
    layout: str
    table: pa.Table  # text columns named as v1, plus the source row number


def parse_file_name(name: str) -> dict[str, str]:
    match = FILE_NAME.match(name)
    if not match:
        raise SubmissionError(
            f"{name}: file name does not match <provider>_<feed>_<period>.<csv|xlsx> "
            "(for example BHSCT_referrals_2024-06.csv)")
    return match.groupdict()


def _normal(name: object) -> str:
    return str(name or "").strip().casefold()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


Rows = list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells), blank rows left out


def _numbered(rows: list[list[str]]) -> Rows:
    return [(number, row) for number, row in enumerate(rows, start=1) if any(c.strip() for c in row)]


def _read_csv(path: Path) -> Rows:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubmissionError(
            f"{path.name}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "save the file as CSV UTF-8 and send it again") from exc
    try:
        return _numbered(list(csv.reader(io.StringIO(text, newline=""), strict=True)))
    except csv.Error as exc:
        raise SubmissionError(f"{path.name}: not a readable CSV file ({exc})") from exc


def _read_xlsx(path: Path) -> Rows:
    """The first sheet's cells as text. Read with calamine (Rust), about ten times faster than openpyxl, which
    made XLSX 96% of parsing time; empty leading rows are kept so that row numbers are the spreadsheet's own."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for corrupt or foreign files
        raise SubmissionError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    return _numbered([[_cell_text(None if value == "" else value) for value in row] for row in rows])


def recognise_layout(contract: Contract, header: list[str], file_name: str) -> tuple[str, dict[str, int]]:
    """Match the header to a layout of the contract; return the layout and each v1 column's position."""
    positions = {_normal(name): i for i, name in enumerate(header)}
    best: tuple[int, str, list[str]] | None = None
    for layout in contract.layouts:
        names = contract.header(layout)
        missing = [provided for col, provided in zip(contract.columns, names, strict=True)
                   if col.required and _normal(provided) not in positions]
        matched = sum(_normal(n) in positions for n in names)
        if not missing:
            return layout, {col.name: positions[_normal(provided)]
                            for col, provided in zip(contract.columns, names, strict=True)
                            if _normal(provided) in positions}
        if best is None or matched > best[0]:
            best = (matched, layout, missing)
    assert best is not None
    _, layout, missing = best
    found = ", ".join(header[:6]) + (" …" if len(header) > 6 else "")
    raise SubmissionError(
        f"{file_name}: header row 1 lacks required column(s) {', '.join(missing)} of feed {contract.feed} "
        f"(closest layout {layout}; found: {found})")


def read_submission(path: Path, contract: Contract) -> ParsedFile:
    if path.stat().st_size == 0:
        raise SubmissionError(f"{path.name}: the file is empty (0 bytes)")
    rows = _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)
    if not rows:
        raise SubmissionError(f"{path.name}: the file has no header row")
    (header_number, header), body = rows[0], rows[1:]
    if len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        raise SubmissionError(f"{path.name}: header row 1 is not comma separated (found ';' or tab)")
    try:
        if header_number != 1:
            raise SubmissionError(f"{path.name}: row 1 is blank; the header must be in row 1")
        layout, positions = recognise_layout(contract, header, path.name)
    except SubmissionError:
        for number, row in rows[:10]:
            try:
                recognise_layout(contract, row, path.name)
            except SubmissionError:
                continue
            raise SubmissionError(
                f"{path.name}: the header is in row {number}, not row 1: remove the title or blank rows above it "
                "and send the file again") from None
        raise
    columns: dict[str, list[str | None]] = {}
    width = len(header)
    for number, row in body:
        if len(row) != width and path.suffix.lower() == ".csv":
            raise SubmissionError(
                f"{path.name}: row {number} has {len(row)} fields where the header has {width} "
                "(a truncated file, or a delimiter inside an unquoted value)")
    for col in contract.columns:
        index = positions.get(col.name)
        columns[col.name] = [(row[index] if index < len(row) else "") for _, row in body] if index is not None \
            else [None] * len(body)
    columns[ROW_NUMBER] = [number for number, _ in body]
    table = pa.table({name: pa.array(values, type=pa.int64() if name == ROW_NUMBER else pa.string())
                      for name, values in columns.items()})
    return ParsedFile(layout=layout, table=table)
