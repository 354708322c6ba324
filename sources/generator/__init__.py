"""The synthetic provider generator: realistic submissions from every provider, for demos, tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from sources.generator.simulate import World, simulate
from sources.generator.submissions import Submission, write_submissions


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` to the first day of that month."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return dt.date(int(text[:4]), int(text[5:]), 1)


def generate(start: str, end: str, scale: float, seed: int, landing: Path,
             progress: Callable[[str], None] = lambda _: None, truth: Path | None = None) -> list[Submission]:
    """Simulate the months ``start`` to ``end`` (inclusive) and write every provider's submissions (and, given
    ``truth``, which person each record naming a child is)."""
    first = parse_month(start)
    last_month = parse_month(end)
    if last_month < first:
        raise ValueError(f"--end {end} is before --start {start}")
    if scale <= 0:
        raise ValueError("--scale must be positive")
    last = (dt.date(last_month.year + (last_month.month == 12), last_month.month % 12 + 1, 1)
            - dt.timedelta(days=1))
    progress("simulating life courses")
    world: World = simulate(first, last, scale, seed)
    return write_submissions(world, landing, seed, progress, truth)


__all__ = ["Submission", "generate", "parse_month"]
