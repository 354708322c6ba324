"""Shared fixtures. Every test writes only below pytest's temporary directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sources.generator import generate

SMALL_SEED = 11


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
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    return root
