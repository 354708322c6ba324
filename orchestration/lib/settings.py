"""Where the warehouse keeps its data, and the secrets it reads from the environment.

Everything lives under one data root (``data/`` beside the project, or
``CDW_DATA_DIR``). Zones, most restricted first: ``landing/`` and
``archive/`` (files as received), ``restricted/`` (the registry), ``batches/``
(pseudonymised Parquet), ``warehouse/`` (dbt's database), ``published/``
(the read-only analytics database) and ``outbox/`` (extracts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT
DBT_PROFILES_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @classmethod
    def from_env(cls) -> DataPaths:
        return cls(Path(os.environ.get("CDW_DATA_DIR", PROJECT_ROOT / "data")).resolve())

    @property
    def landing(self) -> Path:
        return Path(os.environ.get("CDW_LANDING_DIR", self.root / "landing")).resolve()

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def registry(self) -> Path:
        return self.root / "restricted" / "registry.sqlite"

    @property
    def reports(self) -> Path:
        return self.root / "restricted" / "reports"

    @property
    def pending(self) -> Path:
        return self.root / "batches" / "pending"

    @property
    def current(self) -> Path:
        return self.root / "batches" / "current"

    @property
    def superseded(self) -> Path:
        return self.root / "batches" / "superseded"

    @property
    def quarantine(self) -> Path:
        return self.root / "batches" / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "published" / "analytics.duckdb"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    def ensure(self) -> DataPaths:
        for folder in (self.landing, self.archive, self.reports, self.pending, self.current, self.superseded,
                       self.quarantine, self.warehouse.parent, self.published.parent):
            folder.mkdir(parents=True, exist_ok=True)
        return self
