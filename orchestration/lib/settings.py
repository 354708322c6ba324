"""Where the warehouse keeps its data, and the secrets it reads from the environment.

Everything lives under one data root (``data/`` beside the project, or
``CDW_DATA_DIR``). Zones, most restricted first: ``landing/`` and
``archive/`` (files as received), ``restricted/`` (the registry), ``batches/``
(pseudonymised Parquet), ``warehouse/`` (dbt's database), ``published/``
(the read-only analytics database) and ``outbox/`` (extracts).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT
DBT_PROFILES_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"
# The warehouse's first reporting period: a submission for an earlier period is refused as implausible. A
# first submission carries two years of history, so records may be dated before it.
FIRST_PERIOD_VARIABLE = "CDW_FIRST_PERIOD"
DEFAULT_FIRST_PERIOD = "2020-04"


def first_period() -> dt.date:
    """The first month of the warehouse's first period (``CDW_FIRST_PERIOD``, YYYY-MM)."""
    text = os.environ.get(FIRST_PERIOD_VARIABLE, DEFAULT_FIRST_PERIOD)
    return dt.date(int(text[:4]), int(text[5:7]), 1)


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
    def identities(self) -> Path:
        """Each batch's children's identifiers (restricted): dates of birth for exact ages at events (``ages``),
        names, postcode and HCN for linkage (``linkage``)."""
        return self.root / "restricted" / "identities"

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
    def ages(self) -> Path:
        """Exact ages at events (no date of birth), written by the restricted step before dbt; see ``ages``."""
        return self.root / "batches" / "ages"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "published" / "analytics.duckdb"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def dbt_runs(self) -> Path:
        """dbt's target folders, one per build (compiled SQL, run results, logs), pruned to the last few."""
        return self.root / "dbt" / "runs"

    def ensure(self) -> DataPaths:
        for folder in (self.landing, self.pending, self.current, self.superseded, self.quarantine,
                       self.warehouse.parent, self.published.parent):
            folder.mkdir(parents=True, exist_ok=True)
        for restricted in (self.archive, self.reports.parent, self.reports, self.identities):  # owner only
            restricted.mkdir(parents=True, exist_ok=True)
            restricted.chmod(0o700)
        return self
