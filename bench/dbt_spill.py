"""What dbt's heaviest nodes spill to disk: each node's time, and the largest its DuckDB temporary files grew while
it ran, on a copy of a built warehouse.

    python bench/dbt_spill.py --data-dir /var/tmp/cdw-bench/10.0/data --memory-limit 1GB

Copies the data root's warehouse into a temporary one, builds the selected nodes there with ``dbt build`` under
the memory limit (dbt's DuckDB spills what does not fit into ``warehouse.duckdb.tmp`` beside the database),
samples that folder's size twice a second, and prints each node's seconds and peak spill. Scale 10's warehouse
with 1 GB stands in for scale 30's with the pipeline's 2.5 to 3 GB, in a tenth of the time. Prints its figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.settings import DBT_PROFILES_DIR, PROJECT_ROOT

HEAVIEST = ["mart_indicators", "mart_service_performance", "assert_indicator_units_are_one_per_period"]
SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class NodeSpill:
    name: str
    status: str
    seconds: float
    peak_bytes: int


def folder_bytes(folder: Path) -> int:
    """The size of the files under a folder (0 while it does not exist; a file removed meanwhile counts 0)."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(parent) / name).stat().st_size
    return total


def _execution(result: dict) -> tuple[float, float] | None:
    """When dbt executed a node, in seconds since the epoch, from its run result's timing."""
    for timing in result.get("timing", []):
        if timing["name"] == "execute" and timing.get("started_at") and timing.get("completed_at"):
            return tuple(dt.datetime.fromisoformat(timing[k].replace("Z", "+00:00")).timestamp()
                         for k in ("started_at", "completed_at"))
    return None


def spill_by_node(samples: list[tuple[float, int]], results: list[dict]) -> list[NodeSpill]:
    """Each node that ran, with the largest spill sampled while it executed (a sample up to one interval after it
    ended still counts: the sampler may have read the folder just before the node finished). With two threads,
    nodes that ran together share their samples."""
    spills = []
    for result in results:
        window = _execution(result)
        if window is None:
            continue
        start, end = window
        peak = max((size for at, size in samples if start <= at <= end + SAMPLE_SECONDS), default=0)
        spills.append(NodeSpill(result["unique_id"].split(".")[2], result["status"], result["execution_time"], peak))
    return spills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a data root whose warehouse is built")
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--select", nargs="+", default=HEAVIEST)
    args = parser.parse_args()
    warehouse = args.data_dir / "warehouse" / "warehouse.duckdb"
    if not warehouse.exists():
        raise SystemExit(f"no built warehouse at {warehouse}: run `cdw run` with CDW_DATA_DIR={args.data_dir} first")
    with tempfile.TemporaryDirectory(prefix="dbt-spill-", dir=args.data_dir.parent) as folder:
        root = Path(folder)
        (root / "warehouse").mkdir()
        shutil.copy2(warehouse, root / "warehouse" / warehouse.name)
        samples: list[tuple[float, int]] = []
        done = threading.Event()
        spill = root / "warehouse" / f"{warehouse.name}.tmp"

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                samples.append((time.time(), folder_bytes(spill)))

        sampler = threading.Thread(target=sample, daemon=True)
        env = {**os.environ, "CDW_DATA_DIR": str(root), "CDW_DBT_MEMORY_LIMIT": args.memory_limit,
               "DBT_PROFILES_DIR": str(DBT_PROFILES_DIR), "DBT_LOG_PATH": str(root / "logs")}
        command = [str(Path(sys.executable).parent / "dbt"), "build", "--select", *args.select,
                   "--exclude-resource-type", "unit_test", "--target", "duckdb", "--threads", str(args.threads),
                   "--target-path", str(root / "target")]
        started = time.perf_counter()
        sampler.start()
        built = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)
        done.set()
        sampler.join()
        seconds = time.perf_counter() - started
        results_file = root / "target" / "run_results.json"
        if not results_file.exists():
            raise SystemExit(f"dbt wrote no run results (exit {built.returncode}):\n{built.stdout[-2000:]}")
        results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    print(f"dbt spill: {', '.join(args.select)} on a copy of {warehouse}, memory limit {args.memory_limit}, "
          f"{args.threads} thread(s): {seconds:.1f} s, exit {built.returncode}, "
          f"peak spill {max((s for _, s in samples), default=0) / 1e9:.1f} GB")
    nodes = spill_by_node(samples, results)
    for node in (n for n in nodes if n.seconds >= 1):
        print(f"  {node.name:50} {node.status:8} {node.seconds:7.1f} s {node.peak_bytes / 1e9:6.1f} GB spilled")
    print(f"  and {sum(n.seconds < 1 for n in nodes)} node(s) of under a second each")


if __name__ == "__main__":
    main()
