"""Calendar quarters, the Commissioner's reporting periods (YYYY-Qn)."""

from __future__ import annotations

import datetime as dt
import re

QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


class QuarterError(ValueError):
    """Not a quarter written YYYY-Qn."""


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar quarter written YYYY-Qn."""
    match = QUARTER_PATTERN.match(quarter)
    if not match:
        raise QuarterError(f"quarter {quarter!r}: expected YYYY-Qn, for example 2024-Q3")
    year, number = int(match[1]), int(match[2])
    start = dt.date(year, 3 * number - 2, 1)
    end = (dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)) - dt.timedelta(days=1)
    return start, end


def quarter_just_ended(moment: dt.date) -> str:
    """The calendar quarter that ended most recently before a date."""
    previous = dt.date(moment.year, 3 * ((moment.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)
    return f"{previous.year}-Q{(previous.month - 1) // 3 + 1}"


def previous_quarter(quarter: str) -> str:
    """The calendar quarter before one written YYYY-Qn."""
    start, _ = quarter_bounds(quarter)
    return quarter_just_ended(start)
