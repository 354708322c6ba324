"""Benchmark the whole pipeline: each stage's wall time, peak memory and rows per second, the DuckDB floor, and
the cost of one more month.

    python bench/pipeline.py --scale 1.0

Generates 25 months of synthetic submissions into a temporary data root. Lands the first 24 months' files and
times `cdw run` (ingest, gate, dbt, publish: the stage times come from the run's own events) and `cdw extract`,
each in its own process under /usr/bin/time for its peak memory; times the DuckDB floor (bench/floor.py) on the
same landing files and prints the ratio; then lands the 25th month and times the incremental `cdw run`.
Prints its figures, and against each target of its scale (the ``MAX_`` constants) whether it is met; asserts
nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.floor import run_floor
from orchestration.lib.quarters import quarter_bounds, quarter_just_ended
from orchestration.lib.registry import Registry
from sources.generator import generate, parse_month
from sources.generator.simulate import add_months

STAGES = re.compile(r"stage times: ingest ([\d.]+)s, gate ([\d.]+)s, dbt ([\d.]+)s, publish ([\d.]+)s")
CDW = str(Path(sys.executable).with_name("cdw"))
# Issue 18's targets, by scale: the pipeline (stages and extract) within 10x of the floor and under 4 GB at
# scale 10; one more month at most 0.2 of a full run at scale 1; at scale 30 (about the UK's under-18s), complete
# on this 2-core machine under 8 GB.
MAX_FLOOR_RATIO, MAX_GB_AT_10 = 10.0, 4.0
MAX_INCREMENT_SHARE = 0.2
MAX_GB_AT_30 = 8.0


def month_after(month: str, months: int = 1) -> str:
    """``YYYY-MM`` moved on by ``months`` (the generator's own month arithmetic)."""
    return f"{add_months(parse_month(month), months):%Y-%m}"


def timed(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory in GB (the process and its children), and what it printed."""
    measure = log.with_suffix(".time")
    with log.open("w") as out:
        result = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", str(measure), *command], env=env,
                                stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds, kilobytes = measure.read_text().split()[-2:]
    printed = log.read_text()
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}); see {log}:\n{printed[-2000:]}")
    return float(seconds), int(kilobytes) / 1024 / 1024, printed


QUARTERLY = re.compile(r"_\d{4}-Q[1-4]\.")


def land(source: Path, landing: Path, before: str | None, after: str | None, monthly_only: bool = False) -> int:
    """Copy the files of the arrival folders (named by date) within [after, before) into the landing area.

    monthly_only leaves out quarterly files: generated up to a month inside a quarter, the Sure Start projects'
    files for that quarter hold one month of three, which no project would send (and the gate would refuse).
    """
    count = 0
    for folder in sorted(p for p in source.iterdir() if p.is_dir()):
        if (before is None or folder.name < before) and (after is None or folder.name >= after):
            for file in folder.iterdir():
                if monthly_only and QUARTERLY.search(file.name):
                    continue
                (landing / folder.name).mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, landing / folder.name / file.name)
                count += 1
    return count


def generate_once(generated: Path, start: str, end: str, scale: float, seed: int) -> float | None:
    """Generate the submissions, or reuse those a kept folder already holds for the same parameters (the
    generator is deterministic, and at scale 10 it takes longer than the pipeline). Seconds taken, or None."""
    parameters = {"start": start, "end": end, "scale": scale, "seed": seed}
    marker = generated / "parameters.json"
    if marker.exists() and json.loads(marker.read_text()) == parameters:
        return None
    shutil.rmtree(generated, ignore_errors=True)
    started = time.perf_counter()
    generate(start, end, scale, seed, generated)
    marker.write_text(json.dumps(parameters))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--start", default="2023-04")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=20240331)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (its generated submissions are "
                        "reused by a later run with the same parameters) instead of a temporary folder")
    args = parser.parse_args()
    last = month_after(args.start, args.months - 1)
    extra = month_after(last)
    cutoff = f"{month_after(extra)}-01"  # files of the extra month arrive in the month after it
    quarter = quarter_just_ended(dt.date.fromisoformat(f"{extra}-01"))
    quarter_end = quarter_bounds(quarter)[1]
    if f"{quarter_end:%Y-%m}" != last:
        raise SystemExit(f"--months must end with a calendar quarter ({last} does not)")

    folder = args.keep or Path(tempfile.mkdtemp(prefix="cdw-bench-"))
    root, generated = folder / "data", folder / "generated"
    env = {**os.environ, "CDW_DATA_DIR": str(root), "CDW_ALLOW_DEMO_KEY": "1", "GX_ANALYTICS_ENABLED": "False",
           "DBT_LOG_PATH": str(root / "logs")}
    env.pop("DAGSTER_HOME", None)
    env.pop("CDW_LANDING_DIR", None)
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        generation = generate_once(generated, args.start, extra, args.scale, args.seed)
        shutil.rmtree(root, ignore_errors=True)  # every measured run starts from an empty data root
        landed = land(generated, root / "landing", before=cutoff, after=None)

        run_seconds, run_memory, printed = timed([CDW, "run"], env, logs / "run.log")
        stages = dict(zip(("ingest", "gate", "dbt", "publish"), map(float, STAGES.search(printed).groups()),
                          strict=True))
        rows = sum(s.rows or 0 for s in Registry(root / "restricted" / "registry.sqlite").all("accepted"))
        extract_seconds, extract_memory, _ = timed([CDW, "extract", "--quarter", quarter], env,
                                                   logs / "extract.log")
        floor_seconds, floor_results = run_floor(root / "landing", quarter_end)

        more = land(generated, root / "landing", before=None, after=cutoff, monthly_only=True)
        increment_seconds, increment_memory, printed = timed([CDW, "run"], env, logs / "increment.log")
        increment_stages = STAGES.search(printed).groups()
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    pipeline = sum(stages.values()) + extract_seconds
    print(f"pipeline benchmark: scale {args.scale}, {args.months} months from {args.start} (seed {args.seed}), "
          f"{landed:,} files, {rows:,} accepted rows; {os.cpu_count()} cores")
    print(f"  {'stage':34} {'wall s':>8} {'rows/s':>10} {'peak GB':>8}")
    made = "reused (--keep)" if generation is None else f"{generation:8.1f}"
    print(f"  {'generate (25 months)':34} {made:>8} {'':>10} {'':>8}")
    for stage, seconds in stages.items():
        print(f"  {stage:34} {seconds:8.1f} {rows / max(seconds, 1e-9):10,.0f} {'':>8}")
    print(f"  {'cdw run (whole process)':34} {run_seconds:8.1f} {rows / run_seconds:10,.0f} {run_memory:8.2f}")
    print(f"  {'extract ' + quarter:34} {extract_seconds:8.1f} {'':>10} {extract_memory:8.2f}")
    print(f"  {'DuckDB floor (headline indicators)':34} {floor_seconds:8.1f} {rows / floor_seconds:10,.0f}")
    print(f"  pipeline (stages + extract) / floor: {pipeline / floor_seconds:.1f}x")
    print(f"  incremental month {extra} ({more} files): {increment_seconds:.1f} s, peak {increment_memory:.2f} GB "
          f"(ingest {increment_stages[0]}s, gate {increment_stages[1]}s, dbt {increment_stages[2]}s, publish "
          f"{increment_stages[3]}s) = {increment_seconds / run_seconds:.2f} of the full run")
    print(f"  floor's headline values at {quarter_end}: " + ", ".join(
        f"{indicator} {trust} {value:,}" for indicator, trust, value in floor_results if trust == "BHSCT"))
    peak = max(run_memory, extract_memory, increment_memory)
    print(f"  peak memory of any pipeline process: {peak:.2f} GB")
    for line in verdicts(args.scale, pipeline / floor_seconds, peak, increment_seconds / run_seconds):
        print(f"  target: {line}")


def verdicts(scale: float, floor_ratio: float, peak_gb: float, increment_share: float) -> list[str]:
    """Each of issue 18's targets that applies at this scale, with its figure and whether it is met (a run that
    did not complete prints no verdict at all)."""
    def met(holds: bool) -> str:
        return "met" if holds else "NOT met"

    lines = []
    if scale == 10:
        lines.append(f"within {MAX_FLOOR_RATIO:.0f}x of the floor: {met(floor_ratio <= MAX_FLOOR_RATIO)} "
                     f"({floor_ratio:.1f}x)")
        lines.append(f"peak memory under {MAX_GB_AT_10:.0f} GB: {met(peak_gb < MAX_GB_AT_10)} ({peak_gb:.2f} GB)")
    if scale == 1:
        lines.append(f"one more month at most {MAX_INCREMENT_SHARE} of a full run: "
                     f"{met(increment_share <= MAX_INCREMENT_SHARE)} ({increment_share:.2f})")
    if scale == 30:
        lines.append(f"completes on {os.cpu_count()} cores under {MAX_GB_AT_30:.0f} GB: {met(peak_gb < MAX_GB_AT_30)} "
                     f"(completed; {peak_gb:.2f} GB)")
    return lines


if __name__ == "__main__":
    main()
