"""The DuckDB floor: the headline indicators straight from the landing files, timed.

    python bench/floor.py --landing data/landing --period-end 2025-03-31

Reads the same files the pipeline reads (CSV with DuckDB; the XLSX files converted first, inside the timing, with
the reader the pipeline uses, calamine) and runs bench/floor.sql. Prints its time and results; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import tempfile
import time
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

FEEDS = ("referrals", "child_protection", "care_episodes")
SQL = Path(__file__).with_name("floor.sql")


def _as_csv(workbook: Path, folder: Path) -> Path:
    """An XLSX submission as a CSV of the same name (its folder kept, so arrival order sorts the same)."""
    target = folder / workbook.parent.name / workbook.with_suffix(".csv").name
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow([v.strftime("%Y-%m-%d") if isinstance(v, dt.date) else v for v in row])
    return target


def run_floor(landing: Path, period_end: dt.date) -> tuple[float, list[tuple]]:
    """Seconds taken and the indicators (indicator, trust, value)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        files: dict[str, list[str]] = {}
        for feed in FEEDS:
            paths = sorted(landing.rglob(f"*_{feed}_*"))
            files[feed] = [str(p) if p.suffix == ".csv" else str(_as_csv(p, Path(folder))) for p in paths]
        sql = SQL.read_text().format(period_end=period_end.isoformat(),
                                     **{feed: repr(sorted(names, key=_arrival)) for feed, names in files.items()})
        con = duckdb.connect()
        *setup, query = [statement for statement in sql.split(";") if statement.strip()]
        for statement in setup:
            con.execute(statement)
        results = con.execute(query).fetchall()
        con.close()
    return time.perf_counter() - started, results


def _arrival(name: str) -> tuple[str, str]:
    path = Path(name)
    return path.parent.name, path.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--period-end", type=dt.date.fromisoformat, required=True)
    args = parser.parse_args()
    seconds, results = run_floor(args.landing, args.period_end)
    print(f"floor: {seconds:.1f} s")
    for indicator, trust, value in results:
        print(f"  {indicator:20} {trust:7} {value:>8,}")


if __name__ == "__main__":
    main()
