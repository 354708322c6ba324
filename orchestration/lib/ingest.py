"""Ingest: landing file -> archive -> registry -> parse -> conform -> pending Parquet batch.

Nothing received is lost: every file is copied into the archive (read-only,
named by its submission id) before anything else happens, and every outcome
(rejected, quarantined, pending the quality gate) is written to the registry
with reasons a provider's data officer can act on.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.conform import Batch, Conformer
from orchestration.lib.parse import FILE_NAME, ParsedFile, SubmissionError, parse_file_name, read_submission
from orchestration.lib.registry import Registry, Submission
from orchestration.lib.settings import SEEDS_DIR, DataPaths
from sources.contract import Contract, contracts

MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class LandingFile:
    path: Path
    received_at: dt.datetime

    @property
    def name(self) -> str:
        return self.path.name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(landing: Path) -> list[LandingFile]:
    """Every file in the landing area, oldest arrival first (a resubmission after the file it replaces)."""
    files = [p for p in landing.rglob("*") if p.is_file() and not p.name.startswith(".")]
    found = [LandingFile(p, dt.datetime.fromtimestamp(p.stat().st_mtime)) for p in files]
    return sorted(found, key=lambda f: (f.received_at, str(f.path)))


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    year = int(period[:4])
    if "Q" in period:
        first_month = (int(period[-1]) - 1) * 3 + 1
        last_month = first_month + 2
    else:
        first_month = last_month = int(period[5:7])
    first = dt.date(year, first_month, 1)
    nxt = dt.date(year + (last_month == 12), last_month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def batch_name(submission: Submission) -> str:
    return f"{submission.provider}_{submission.feed}_{submission.period}"


def _write_error_report(paths: DataPaths, submission_id: int, file_name: str, errors: pa.Table | None,
                        message: str | None) -> Path:
    report = paths.reports / f"{submission_id:06d}_{file_name}.errors.csv"
    with report.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "column", "value", "rule"])
        if message is not None:
            writer.writerow([file_name, "", "", "", message])
        if errors is not None:
            for e in errors.to_pylist():
                writer.writerow([file_name, e["row_number"], e["column_name"], e["value"], e["rule"]])
    return report


def _summarise(file_name: str, errors: pa.Table) -> list[str]:
    reasons = [f"{file_name}: {errors.num_rows} cell(s) break the feed contract"]
    for e in errors.slice(0, MAX_REPORTED_ERRORS).to_pylist():
        reasons.append(f"{file_name} row {e['row_number']} column {e['column_name']}: {e['rule']} "
                       f"(found {e['value']!r})")
    return reasons


@functools.cache
def providers_by_type() -> dict[str, list[str]]:
    """Provider codes by provider type, from the reference list of providers."""
    with (SEEDS_DIR / "ref_providers.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["provider_type"], []).append(row["provider_code"])
    return found


@dataclass(frozen=True)
class Received:
    """A file registered, archived and parsed, waiting to be conformed with the provider's other new files."""

    submission_id: int
    file_name: str
    contract: Contract
    provider: str
    period: str
    parsed: ParsedFile


def receive(paths: DataPaths, registry: Registry, landing_file: LandingFile, run_id: str | None = None
            ) -> Submission | Received | None:
    """Register, archive and parse one landing file: None if this exact file was already received, the rejected
    submission if it cannot be read, else the parsed file."""
    checksum = sha256_of(landing_file.path)
    if registry.seen(landing_file.name, checksum):
        return None
    submission_id = registry.add(landing_file.name, str(landing_file.path), checksum, landing_file.received_at,
                                 run_id)
    archived = paths.archive / landing_file.received_at.date().isoformat() / f"{submission_id:06d}_{landing_file.name}"
    archived.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(landing_file.path, archived)
    archived.chmod(0o444)
    registry.update(submission_id, archive_path=str(archived))
    try:
        parts = parse_file_name(landing_file.name)
        contract = contracts().get(parts["feed"])
        if contract is None:
            raise SubmissionError(f"{landing_file.name}: unknown feed {parts['feed']!r} "
                                  f"(known: {', '.join(contracts())})")
        registry.update(submission_id, provider=parts["provider"], feed=parts["feed"], period=parts["period"])
        if parts["provider"] not in providers_by_type().get(contract.provider_type, []):
            raise SubmissionError(f"{landing_file.name}: {parts['provider']} is not a known provider of the "
                                  f"{contract.feed} feed (see the reference list of providers)")
        if ("Q" in parts["period"]) != (contract.period_grain == "quarter"):
            raise SubmissionError(f"{landing_file.name}: feed {contract.feed} is submitted per "
                                  f"{contract.period_grain}, not for period {parts['period']}")
        parsed = read_submission(landing_file.path, contract)
    except SubmissionError as exc:
        report = _write_error_report(paths, submission_id, landing_file.name, None, str(exc))
        registry.update(submission_id, status="rejected", reasons=[str(exc)], error_report=str(report))
        return registry.get(submission_id)
    registry.update(submission_id, layout=parsed.layout, rows=parsed.table.num_rows)
    return Received(submission_id, landing_file.name, contract, parts["provider"], parts["period"], parsed)


def conform_received(paths: DataPaths, registry: Registry, received: list[Received], conformer: Conformer
                     ) -> list[Submission]:
    """Check and pseudonymise parsed files, those of one feed, layout and provider in one pass; write each file's
    pending batch, or quarantine it with its error report."""
    groups: dict[tuple[str, str, str], list[Received]] = {}
    for item in received:
        groups.setdefault((item.contract.feed, item.parsed.layout, item.provider), []).append(item)
    for (_, layout, provider), items in groups.items():
        batches = conformer.conform_many([(i.parsed.table, period_bounds(i.period)[1]) for i in items],
                                         items[0].contract, layout, provider)
        for item, batch in zip(items, batches, strict=True):
            _store(paths, registry, item, batch)
    return [registry.get(item.submission_id) for item in received]


def _store(paths: DataPaths, registry: Registry, item: Received, batch: Batch) -> None:
    if batch.errors.num_rows:
        report = _write_error_report(paths, item.submission_id, item.file_name, batch.errors, None)
        registry.update(item.submission_id, status="quarantined", reasons=_summarise(item.file_name, batch.errors),
                        error_report=str(report))
        return
    rows = batch.table.num_rows
    table = batch.table.append_column("submission_id", pa.array([item.submission_id] * rows, pa.int64()))
    for name, value in (("provider_code", item.provider), ("period", item.period)):
        table = table.append_column(name, pa.array([value] * rows, pa.string()))
    pending = paths.pending / item.contract.feed / f"{item.submission_id:06d}_{item.provider}_{item.period}.parquet"
    pending.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, pending)
    registry.update(item.submission_id, status="pending", batch_path=str(pending))


def ingest_file(paths: DataPaths, registry: Registry, landing_file: LandingFile, conformer: Conformer,
                run_id: str | None = None) -> Submission | None:
    """Take one landing file as far as a pending batch; None if this exact file was already received."""
    outcome = receive(paths, registry, landing_file, run_id)
    if isinstance(outcome, Received):
        return conform_received(paths, registry, [outcome], conformer)[0]
    return outcome


def promote(paths: DataPaths, registry: Registry, submission: Submission) -> Submission:
    """Make a batch that passed the gate the current one for its provider, feed and period."""
    target = paths.current / str(submission.feed) / f"{batch_name(submission)}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = registry.current(str(submission.provider), str(submission.feed), str(submission.period))
    if previous is not None and target.exists():
        kept = paths.superseded / str(submission.feed) / f"{previous.submission_id:06d}_{batch_name(previous)}.parquet"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(target, kept)
        registry.update(previous.submission_id, status="superseded", superseded_by=submission.submission_id,
                        batch_path=str(kept))
    shutil.move(str(submission.batch_path), target)
    registry.update(submission.submission_id, status="accepted", batch_path=str(target))
    place = (submission.provider, submission.feed, submission.period)
    for earlier in registry.all("quarantined"):  # a quarantined file cured by this resubmission
        if (earlier.provider, earlier.feed, earlier.period) == place \
                and earlier.submission_id < submission.submission_id and earlier.superseded_by is None:
            registry.update(earlier.submission_id, superseded_by=submission.submission_id)
    return registry.get(submission.submission_id)


def quarantine(paths: DataPaths, registry: Registry, submission: Submission, reasons: list[str]) -> Submission:
    """Keep a batch that failed the gate out of the warehouse, with its reasons."""
    target = paths.quarantine / str(submission.feed) / Path(str(submission.batch_path)).name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(submission.batch_path), target)
    registry.update(submission.submission_id, status="quarantined", reasons=reasons, batch_path=str(target))
    return registry.get(submission.submission_id)


@dataclass
class IngestSummary:
    seen: int = 0
    rows: int = 0
    submissions: list[Submission] = field(default_factory=list)
    already_received: int = 0

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.submissions:
            counts[s.status] = counts.get(s.status, 0) + 1
        if self.already_received:
            counts["already received"] = self.already_received
        return counts


def ingest_landing(paths: DataPaths, registry: Registry, conformer: Conformer, wanted: Callable[[str], bool],
                   run_id: str | None = None) -> IngestSummary:
    """Ingest every new landing file whose name ``wanted`` accepts, oldest arrival first."""
    summary = IngestSummary()
    received: list[Received] = []
    for landing_file in discover(paths.landing):
        if not wanted(landing_file.name):
            continue
        summary.seen += 1
        outcome = receive(paths, registry, landing_file, run_id)
        if outcome is None:
            summary.already_received += 1
        elif isinstance(outcome, Received):
            received.append(outcome)
        else:
            summary.submissions.append(outcome)
    summary.submissions += conform_received(paths, registry, received, conformer)
    summary.submissions.sort(key=lambda s: s.submission_id)
    summary.rows = sum(s.rows or 0 for s in summary.submissions)
    return summary


def is_known_submission(name: str) -> bool:
    """Whether a file name names a known provider and one of the feeds of its type."""
    match = FILE_NAME.match(name)
    if not match or match["feed"] not in contracts():
        return False
    return match["provider"] in providers_by_type().get(contracts()[match["feed"]].provider_type, [])
