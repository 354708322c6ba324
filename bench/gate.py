"""Benchmark the quality gate: seconds per million rows, and peak memory.

    python bench/gate.py --scale 1.0 --start 2023-04 --end 2025-03

Generates the synthetic submissions into a temporary data root, ingests them (not timed), then times the
gate over every pending batch, a provider's feed at a time, exactly as the pipeline runs it: both suites,
results stored in the GX file context, then the Data Docs pages of all of them built once (the data_docs
asset). Prints its figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import ingest_landing, providers_by_type
from orchestration.lib.quality import build_docs, gate_pending
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.contract import contracts
from sources.generator import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--start", default="2023-04")
    parser.add_argument("--end", default="2025-03")
    parser.add_argument("--seed", type=int, default=20240331)
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    with tempfile.TemporaryDirectory() as folder:
        paths = DataPaths(Path(folder)).ensure()
        generate(args.start, args.end, args.scale, args.seed, paths.landing)
        registry = Registry(paths.registry)
        with Conformer(b"benchmark key") as conformer:
            ingest_landing(paths, registry, conformer, lambda _: True)
        pending = registry.all("pending")
        rows = sum(s.rows or 0 for s in pending)
        started = time.perf_counter()
        quarantined = 0
        results = []
        for feed, contract in contracts().items():
            providers = providers_by_type()[contract.provider_type]
            groups = [[p] for p in providers] if contract.provider_type == "trust" else [providers]
            for group in groups:
                summary = gate_pending(paths, registry, contract, group, f"{feed}-bench")
                quarantined += len(summary.quarantined)
                results += summary.results
        build_docs(paths, results)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"gate: {len(pending)} batches, {rows:,} rows, {seconds:.1f} s, "
          f"{seconds / max(rows, 1) * 1e6:.1f} s per million rows, {quarantined} quarantined, "
          f"{len(results)} Data Docs page(s), peak memory of the process {peak:.2f} GB "
          f"(scale {args.scale}, {args.start} to {args.end})")


if __name__ == "__main__":
    main()
