"""Read a provider file into a table of text columns named as layout v1 (spec section 2).

CSV must be UTF-8 (a byte-order mark is tolerated); XLSX is read from its
first sheet with the header in row 1. Header names match case-insensitively,
ignoring surrounding spaces; the layout (v1 or legacy v0) is recognised from
the header. Typing and code checks happen later, in SQL, so that every bad
cell is reported rather than the first.

A file is read from its archive copy, never from the landing area, and under
limits: an XLSX workbook's declared and actual uncompressed size, its number of
parts and the cells its sheets claim are checked before the reader sees it, so a
zip bomb or a sheet claiming a million rows by sixteen thousand columns is
rejected with a reason instead of taking the process down.

Messages (``SubmissionError``) name the file, row, column and rule, never a
value: they reach logs and the console. What a provider needs to see of the file
itself (the header found) goes in ``detail``, which only the error report keeps.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from orchestration.lib.settings import first_period
from sources.contract import Contract

FILE_NAME = re.compile(
    r"(?P<provider>[A-Z]+[0-9]*)_(?P<feed>[a-z_]+?)_(?P<period>[0-9]{4}-(?:0[1-9]|1[0-2]|Q[1-4]))\.(?P<ext>csv|xlsx)",
    re.ASCII)
ROW_NUMBER = "_source_row"

# Limits on an XLSX workbook, checked before it is parsed. The largest generated workbook (scale 10, a Trust's
# first submission with two years of history) inflates to about 60 MB and 1.5 million cells.
MAX_XLSX_PARTS = 1_000
MAX_XLSX_UNCOMPRESSED_BYTES = 1 << 30
MAX_XLSX_CELLS = 30_000_000  # the area a sheet's cells span (a reader allocates every cell of it)
MAX_XLSX_COLUMNS = 1_000
_CELL_COLUMN = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,3})[0-9]")
_CELL_ROW = re.compile(rb"<c\b[^>]*?\br=\"[A-Z]{1,3}([0-9]{1,7})\"")
_ROW_REF = re.compile(rb"<row\b[^>]*?\br=\"([0-9]{1,7})\"")
_DIMENSION = re.compile(rb"<dimension\b[^>]*?\bref=\"([A-Z]{1,3})?([0-9]{1,7})?(?::([A-Z]{1,3})([0-9]{1,7}))?\"")


class SubmissionError(Exception):
    """A whole file cannot be used; the message says why, for the provider's data officer, and quotes nothing
    from the file. ``detail`` may quote it: it goes to the error report (restricted) only."""

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class ParsedFile:
    layout: str
    table: pa.Table  # text columns named as v1, plus the source row number


def parse_file_name(name: str) -> dict[str, str]:
    match = FILE_NAME.fullmatch(name)
    if not match:
        raise SubmissionError(
            f"{name}: file name does not match <provider>_<feed>_<period>.<csv|xlsx> "
            "(for example BHSCT_referrals_2024-06.csv)")
    return match.groupdict()


def period_start(period: str) -> dt.date:
    year, rest = int(period[:4]), period[5:]
    return dt.date(year, (int(rest[1]) - 1) * 3 + 1 if rest.startswith("Q") else int(rest), 1)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month ``YYYY-MM`` or a calendar quarter ``YYYY-Qn``."""
    first = period_start(period)
    after = first.month - 1 + (3 if "Q" in period else 1)
    return first, dt.date(first.year + after // 12, after % 12 + 1, 1) - dt.timedelta(days=1)


def check_period(name: str, period: str, today: dt.date | None = None) -> None:
    """A period must have begun (not after the current month) and not be before the warehouse's first period:
    the latest period of a record wins, so one file dated 2099 would freeze its records for ever."""
    today = today or dt.date.today()
    start, first = period_start(period), first_period()
    if start > today.replace(day=1):
        raise SubmissionError(f"{name}: period {period} has not begun (the current month is {today:%Y-%m}): "
                              "check the period in the file name")
    if start < first:
        raise SubmissionError(f"{name}: period {period} is before the warehouse's first period ({first:%Y-%m}): "
                              "check the period in the file name")


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
HEAD_ROWS = 10  # the rows a header that is not in row 1 is looked for in


@dataclass(frozen=True)
class _Sheet:
    """A file's rows, blank rows left out: the first few as lists (the header, or where it is looked for), and
    every row after the first as text columns by position, with its row number. Built column by column, so
    that no per-cell Python work is done where none is needed."""

    head: Rows
    body: list[pa.Array]
    numbers: pa.Array
    ragged: tuple[int, int] | None = None  # CSV: the first row whose fields differ in number from row 1's


def _numbered(rows: list[list[str]]) -> Rows:
    return [(number, row) for number, row in enumerate(rows, start=1) if any(c.strip() for c in row)]


def _text_column(values: tuple[object, ...]) -> pa.Array:
    """A column of cells as text (the spreadsheet's values through ``_cell_text``; text as it is)."""
    if all(type(value) is str for value in values):
        return pa.array(values, pa.string())
    return pa.array([_cell_text(None if value == "" else value) for value in values], pa.string())


def _sheet(rows: Rows, check_width: bool) -> _Sheet:
    """Rows (numbered, blank ones left out) as a sheet: a CSV's rows must each have row 1's number of fields."""
    if not rows:
        return _Sheet([], [], pa.array([], pa.int64()))
    head = [(number, [_cell_text(None if v == "" else v) for v in row]) for number, row in rows[:HEAD_ROWS]]
    body = rows[1:]
    numbers = pa.array([number for number, _ in body], pa.int64())
    width = len(rows[0][1])
    if check_width:
        ragged = next(((number, len(row)) for number, row in body if len(row) != width), None)
        if ragged is not None:
            return _Sheet(head, [], numbers, ragged)
    wide = max((len(row) for _, row in body), default=width)
    cells = (row if len(row) == wide else [*row, *[""] * (wide - len(row))] for _, row in body)
    columns = list(zip(*cells, strict=True)) if body else [() for _ in range(width)]
    return _Sheet(head, [_text_column(column) for column in columns], numbers)


def _read_csv(path: Path, name: str) -> _Sheet:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubmissionError(
            f"{name}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "save the file as CSV UTF-8 and send it again") from exc
    sheet = _read_plain_csv(data.removeprefix(codecs.BOM_UTF8))
    if sheet is not None:
        return sheet
    try:
        return _sheet(_numbered(list(csv.reader(io.StringIO(text, newline=""), strict=True))), check_width=True)
    except csv.Error as exc:
        raise SubmissionError(f"{name}: not a readable CSV file ({exc})") from exc


def _read_plain_csv(data: bytes) -> _Sheet | None:
    """A plain CSV (no quotes, no NUL, no blank row, no lone carriage return, every row as wide as row 1, no field
    over Python's limit) read by Arrow's vectorised reader, all columns as text; None for any other file, which
    Python's ``csv`` reads instead. On a plain file both readers give the same cells and row numbers; everything
    a message is made from (a quote out of place, a ragged row) sends the file to the Python reader."""
    if not data or b'"' in data or b"\0" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    width = data.split(b"\n", 1)[0].count(b",") + 1
    names = [f"column_{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                  strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    filled = None
    for column in table.columns:
        if (pc.max(pc.utf8_length(column)).as_py() or 0) > csv.field_size_limit():
            return None
        cell = pc.not_equal(pc.utf8_trim_whitespace(column), "")
        filled = cell if filled is None else pc.or_(filled, cell)
    if filled is None or not pc.all(filled).as_py():
        return None
    head = [(number, list(row.values())) for number, row in enumerate(table.slice(0, HEAD_ROWS).to_pylist(), 1)]
    body = table.slice(1)
    return _Sheet(head, [column.combine_chunks() for column in body.columns],
                  pa.array(range(2, table.num_rows + 1), pa.int64()))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _span(part: zipfile.ZipExtFile, budget: int) -> tuple[int, int, int]:
    """Stream a worksheet's XML: (bytes read, rows spanned, columns spanned), from the cells' references and
    what the sheet declares, without parsing it (a handful of C-speed scans per block)."""
    letters: set[bytes] = set()
    rows = cells = refs = row_count = read = 0
    tail = b""
    while True:
        block = part.read(1 << 20)
        read += len(block)
        if read > budget:
            break
        text = tail + block
        cut = max(text.rfind(b"<"), len(text) - 256) if block else len(text)  # a tag may be cut at the end
        counted, tail = text[:cut], text[cut:]
        columns_found = _CELL_COLUMN.findall(counted)
        letters.update(columns_found)
        refs += len(columns_found)
        cell_rows = set(_CELL_ROW.findall(counted)) | set(_ROW_REF.findall(counted))
        rows = max([rows, *map(int, cell_rows)])
        for first_col, first_row, last_col, last_row in _DIMENSION.findall(counted):
            letters.add(last_col or first_col)
            rows = max(rows, int(last_row or first_row or 0))
        cells += counted.count(b"<c ") + counted.count(b"<c>") + counted.count(b"<c/>")
        row_count += counted.count(b"<row ") + counted.count(b"<row>")
        if not block:
            break
    columns = max((_column_number(c) for c in letters if c), default=0)
    unreferenced = max(cells - refs, 0)  # cells may omit their reference: each then takes the next column
    return read, max(rows, row_count), columns + unreferenced


def check_workbook_limits(path: Path, name: str) -> None:
    """Refuse a workbook whose parts inflate past the limit, or whose sheets span too many cells."""
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    with book:
        parts = book.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise SubmissionError(f"{name}: the workbook has {len(parts):,} parts (limit {MAX_XLSX_PARTS:,})")
        declared = sum(p.file_size for p in parts)
        if declared > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise SubmissionError(f"{name}: the workbook inflates to {declared:,} bytes (limit "
                                  f"{MAX_XLSX_UNCOMPRESSED_BYTES:,}): not read")
        budget = MAX_XLSX_UNCOMPRESSED_BYTES
        for part in parts:
            try:
                with book.open(part) as stream:
                    if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
                        read, rows, columns = _span(stream, budget)
                        if columns > MAX_XLSX_COLUMNS or rows * columns > MAX_XLSX_CELLS:
                            raise SubmissionError(
                                f"{name}: sheet {part.filename.rsplit('/', 1)[-1]} spans {rows:,} rows by "
                                f"{columns:,} columns (limits: {MAX_XLSX_COLUMNS:,} columns, "
                                f"{MAX_XLSX_CELLS:,} cells): not read")
                    else:
                        read = 0
                        while block := stream.read(1 << 20):
                            read += len(block)
                            if read > budget:
                                break
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
                raise SubmissionError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from exc
            budget -= read
            if budget < 0:
                raise SubmissionError(f"{name}: the workbook inflates past {MAX_XLSX_UNCOMPRESSED_BYTES:,} bytes: "
                                      "not read")


def _read_xlsx(path: Path, name: str) -> _Sheet:
    """The first sheet's cells as text. Read with calamine (Rust), about ten times faster than openpyxl, which
    made XLSX 96% of parsing time; empty leading rows are kept so that row numbers are the spreadsheet's own.
    The workbook's limits are checked first: calamine allocates every cell a sheet spans."""
    from python_calamine import CalamineWorkbook

    check_workbook_limits(path, name)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for corrupt or foreign files
        raise SubmissionError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    # an empty cell is "", a number or a date is never blank: only text needs stripping
    numbered = [(number, row) for number, row in enumerate(rows, start=1)
                if any(value.strip() if type(value) is str else value is not None for value in row)]
    return _sheet(numbered, check_width=False)


def recognise_layout(contract: Contract, header: list[str], file_name: str) -> tuple[str, dict[str, int]]:
    """Match the header to a layout of the contract; return the layout and each v1 column's position."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        normal = _normal(name)
        if normal and normal in positions:
            raise SubmissionError(f"{file_name}: header row 1 names a column twice (columns {positions[normal] + 1} "
                                  f"and {i + 1}): which one holds the data is unclear",
                                  detail=f"the repeated column name: {name.strip()}")
        positions.setdefault(normal, i)
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
        f"(closest layout {layout}; the row found is in the error report)", detail=f"row 1 found: {found}")


def read_submission(path: Path, contract: Contract, name: str | None = None) -> ParsedFile:
    """Read a submission (its archive copy at ``path``); messages use the name it was sent under."""
    name = name or path.name
    if path.stat().st_size == 0:
        raise SubmissionError(f"{name}: the file is empty (0 bytes)")
    is_xlsx = name.lower().endswith(".xlsx")
    sheet = _read_xlsx(path, name) if is_xlsx else _read_csv(path, name)
    if not sheet.head:
        raise SubmissionError(f"{name}: the file has no header row")
    header_number, header = sheet.head[0]
    if len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        raise SubmissionError(f"{name}: header row 1 is not comma separated (found ';' or tab)")
    try:
        if header_number != 1:
            raise SubmissionError(f"{name}: row 1 is blank; the header must be in row 1")
        layout, positions = recognise_layout(contract, header, name)
    except SubmissionError:
        for number, row in sheet.head:
            try:
                recognise_layout(contract, row, name)
            except SubmissionError:
                continue
            raise SubmissionError(
                f"{name}: the header is in row {number}, not row 1: remove the title or blank rows above it "
                "and send the file again") from None
        raise
    if sheet.ragged is not None:
        number, fields = sheet.ragged
        raise SubmissionError(
            f"{name}: row {number} has {fields} fields where the header has {len(header)} "
            "(a truncated file, or a delimiter inside an unquoted value)")
    rows = len(sheet.numbers)
    columns: dict[str, pa.Array] = {}
    for col in contract.columns:
        index = positions.get(col.name)
        if index is None:
            columns[col.name] = pa.nulls(rows, pa.string())
        else:
            columns[col.name] = sheet.body[index] if index < len(sheet.body) else pa.array([""] * rows, pa.string())
    columns[ROW_NUMBER] = sheet.numbers
    return ParsedFile(layout=layout, table=pa.table(columns))
