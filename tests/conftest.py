"""Shared fixtures. Every test writes only below pytest's temporary directories."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.lib.conform import Conformer
from orchestration.lib.ingest import checked_key, ingest_landing
from orchestration.lib.lifecycle import Lifecycle
from orchestration.lib.registry import Registry
from orchestration.lib.settings import DataPaths
from sources.generator import generate

SMALL_SEED = 11
REPOSITORY = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))


@contextlib.contextmanager
def demo_pipeline_env(root: Path) -> Iterator[pytest.MonkeyPatch]:
    """The environment of a session-scoped pipeline run on synthetic data under ``root`` (demo key allowed, no
    real key, an ephemeral Dagster instance), undone afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CDW_DATA_DIR", str(root))
        patch.setenv("CDW_ALLOW_DEMO_KEY", "1")
        patch.delenv("CDW_PSEUDONYMISATION_KEY", raising=False)
        patch.delenv("DAGSTER_HOME", raising=False)
        patch.setenv("DBT_LOG_PATH", str(root / "logs"))
        patch.setenv("CDW_LANDING_SETTLE_SECONDS", "0")  # test files are complete when they are written
        yield patch


def run_dbt(arguments: list[str], data_root: Path, work: Path) -> subprocess.CompletedProcess:
    """Run dbt on this repository's project against a data root, its target and logs under ``work``."""
    command = [DBT, *arguments, "--project-dir", str(REPOSITORY), "--profiles-dir", str(REPOSITORY / "dbt_project"),
               "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    return subprocess.run(command, cwd=REPOSITORY, env={**os.environ, "CDW_DATA_DIR": str(data_root)},
                          capture_output=True, text=True, timeout=3600, check=False)


def land_in_two(source: Path, landing: Path, later: bool, feed: str = "") -> list[str]:
    """Copy a generated landing set's earlier (or later) files into a landing area, for tests of an incremental
    run. The later files are those of ``feed`` (of every feed, when none is named) that arrived from the first
    arrival of the last month's files on: that month and any late resubmission. Returns the names copied."""
    def in_feed(file: Path) -> bool:
        return not feed or f"_{feed}_" in file.name

    last_period = max(p.stem.rsplit("_", 1)[1] for p in source.rglob(f"*_{feed or 'referrals'}_*"))
    first_arrival = min(p.parent.name for p in source.rglob(f"*_{last_period}.*") if in_feed(p))
    names = []
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        if (in_feed(file) and file.parent.name >= first_arrival) == later:
            (landing / file.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, landing / file.parent.name / file.name)
            names.append(file.name)
    return names


def land_and_accept(paths: DataPaths, files: dict[str, str]) -> None:
    """Ingest the files and make their batches current (the gate's part is not under test here)."""
    paths.landing.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (paths.landing / name).write_text(text, encoding="utf-8")
    registry = Registry(paths.registry)
    with Conformer(checked_key(registry)) as conformer:
        ingest_landing(paths, registry, conformer, lambda name: True)
    lifecycle = Lifecycle(paths, registry)
    pending = [s for s in registry.all() if s.status == "pending"]
    assert len(pending) == len(files), [(s.file_name, s.status, s.reasons) for s in registry.all()]
    for submission in pending:
        lifecycle.accept(submission)


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two years of every provider's submissions at scale 0.01 (written once per test session)."""
    landing = tmp_path_factory.mktemp("landing")
    generate("2023-04", "2025-03", 0.01, SMALL_SEED, landing)
    return landing


@pytest.fixture(scope="session")
def short_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three months of every provider's submissions at scale 0.01, for tests that run the pipeline several times."""
    landing = tmp_path_factory.mktemp("short_landing")
    generate("2024-10", "2024-12", 0.01, SMALL_SEED, landing)
    return landing


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data root with the demo key allowed (synthetic data only)."""
    root = tmp_path / "data"
    monkeypatch.setenv("CDW_DATA_DIR", str(root))
    monkeypatch.setenv("CDW_ALLOW_DEMO_KEY", "1")
    monkeypatch.delenv("CDW_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.delenv("CDW_LANDING_DIR", raising=False)
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "dbt_logs"))
    monkeypatch.setenv("CDW_LANDING_SETTLE_SECONDS", "0")  # test files are complete when they are written
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    return root


@pytest.fixture(scope="session")
def pipeline(small_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run `cdw run` twice on the small landing set (once per session); keep what each published."""
    root = tmp_path_factory.mktemp("e2e") / "data"
    shutil.copytree(small_landing, root / "landing")
    with demo_pipeline_env(root) as patch:
        outputs = []
        for _ in range(2):
            code = main(["run"])
            published = root / "published" / "analytics.duckdb"
            with duckdb.connect(str(published), read_only=True) as con:
                mart = con.execute("select * from mart_referrals_by_trust_month order by 1, 3").fetchall()
            outputs.append((code, mart))
        patch.setattr("sys.argv", ["cdw"])
        status_code = main(["status", "--json"])
    return {"root": root, "runs": outputs, "status_code": status_code}
