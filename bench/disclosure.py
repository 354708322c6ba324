"""Benchmark disclosure control on a publication: what is hidden, how long it takes, and what a reader of every
release can work out.

    python bench/disclosure.py --published data/published/analytics.duckdb --first 2024-Q1 --last 2025-Q1

For the last quarter alone: the share of counts, percentages and rates suppressed by the greedy heuristic and by
the optimal pattern, and the time of each. Then the extracts from the first quarter to the last, built in order
as ``cdw extract`` builds them (``--alone``: each protected by itself, as before issue 14), each one's time and
share suppressed, and the reader who holds all of them (``release.attack``). Prints its figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import duckdb

from orchestration.lib import disclosure, release
from orchestration.lib.extract import DECIMALS, check_rows, load_over_periods, load_rows
from orchestration.lib.quarters import previous_quarter


def _shares(rows: list[disclosure.Row]) -> str:
    hidden, everything = Counter(), Counter()
    for row in rows:
        everything[row.unit] += 1
        hidden[row.unit] += row.shown == disclosure.SUPPRESSED
    parts = [f"{unit} {hidden[unit] / everything[unit]:.1%}" for unit in ("count", "percent", "rate_per_10000")]
    return f"{sum(hidden.values()) / len(rows):.1%} of {len(rows)} values c ({', '.join(parts)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("data/published/analytics.duckdb"))
    parser.add_argument("--first", default="2024-Q1")
    parser.add_argument("--last", default="2025-Q1")
    parser.add_argument("--alone", action="store_true", help="protect each release by itself")
    args = parser.parse_args()
    quarters = [args.last]
    while quarters[-1] != args.first:
        quarters.append(previous_quarter(quarters[-1]))
    quarters.reverse()
    with duckdb.connect(str(args.published), read_only=True) as con:
        rows = {q: load_rows(con, q) for q in release.quarters_needed(quarters, args.last)}
        over_periods = load_over_periods(con)
    for method in ("greedy", "optimal"):
        started = time.perf_counter()
        disclosure.apply(rows[args.last], DECIMALS, method=method)
        print(f"{args.last} alone, {method}: {time.perf_counter() - started:.1f} s; {_shares(rows[args.last])}; "
              f"audit problems {len(check_rows(rows[args.last]))}", flush=True)
    held: dict[release.Cell, str] = {}
    started_all = time.perf_counter()
    for quarter in quarters:
        started = time.perf_counter()
        if args.alone:
            disclosure.apply(rows[quarter], DECIMALS)
        else:
            needed = {q: rows[q] for q in release.quarters_needed(release.released_quarters(held), quarter)}
            hidden = release.protect_release(needed, quarter, held, over_periods,
                                             disclosure.unpublished_numerators(rows[quarter]))
            disclosure.show(rows[quarter], hidden, DECIMALS)
        held = release.holding(held, rows[quarter], quarter)
        print(f"{quarter} {'alone' if args.alone else 'with its history'}: {time.perf_counter() - started:.1f} s; "
              f"{_shares(rows[quarter])}", flush=True)
    print(f"all {len(quarters)} releases: {time.perf_counter() - started_all:.1f} s", flush=True)
    started = time.perf_counter()
    findings = release.attack(rows, held, over_periods)
    small = sum(1 for finding in findings if disclosure.is_small(finding.value))
    print(f"the reader of all {len(quarters)} releases: {len(findings)} hidden count(s) worked out ({small} from 1 "
          f"to 4) in {time.perf_counter() - started:.1f} s")
    for finding in findings[:5]:
        print(f"  {finding} (value {finding.value:g})")


if __name__ == "__main__":
    main()
