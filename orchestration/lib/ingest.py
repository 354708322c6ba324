"""Ingest: landing file -> archive -> registry -> parse -> conform -> pending Parquet batch.

Nothing received is lost: every file is copied into the archive (readable by its owner only, named by its
submission id) before anything else happens, and is read from there; every outcome (rejected, quarantined,
pending the quality gate) is a transition of ``lifecycle``, with reasons a provider's data officer can act on.
A file that cannot be processed for any reason is rejected with that reason; it never stops another file.
An earlier run's unfinished submissions (left ``received`` by a crash) are taken again from their archive copy.

Reasons name the file, row, column and rule and never quote a value: they reach logs and the console. The
values are in each submission's error report, in the restricted zone.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.conform import Batch, Conformer
from orchestration.lib.landing import (
    LandingFile,
    NotReady,
    Unreadable,
    copy_out,
    discover,
    is_settled,
    landing_entry,
    refusal,
)
from orchestration.lib.lifecycle import (
    INCOMING,
    Lifecycle,
    batch_location,
    error_report_path,
    identities_path,
    identities_table,
)
from orchestration.lib.parse import (
    FILE_NAME,
    ParsedFile,
    SubmissionError,
    check_period,
    parse_file_name,
    period_bounds,
    read_submission,
)
from orchestration.lib.pseudonymise import KeyMismatchError, key_fingerprint, pseudonymisation_key
from orchestration.lib.registry import Registry, Submission
from orchestration.lib.settings import SEEDS_DIR, DataPaths
from sources.contract import Contract, contracts

MAX_REPORTED_ERRORS = 20
KEY_FINGERPRINT = "key_fingerprint"
KEY_ROTATION = "key_rotation_under_way"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checked_key(registry: Registry) -> bytes:
    """The pseudonymisation key, once it is known to be the one this data root's batches were made with.

    The registry keeps the key's fingerprint (never the key). A different key would give every child a new key
    and the warehouse two of each, so a run with one stops before anything is ingested."""
    key = pseudonymisation_key()
    fingerprint = key_fingerprint(key)
    recorded = registry.setting(KEY_FINGERPRINT)
    if registry.setting(KEY_ROTATION) is not None:
        raise KeyMismatchError("a key rotation was interrupted: some batches carry the new key, some the old. Set "
                               "the new key and run `cdw rebuild-batches --rotate-key` again to finish it.")
    if recorded is None:
        registry.set_setting(KEY_FINGERPRINT, fingerprint)
    elif recorded != fingerprint:
        raise KeyMismatchError(
            f"the pseudonymisation key is not the one this data root's batches were made with (key fingerprint "
            f"{fingerprint[:12]}…, recorded {recorded[:12]}…). Nothing was ingested. If the key was changed by "
            "mistake, set the previous key again. To rotate the key, set the new key and run "
            "`cdw rebuild-batches --rotate-key`: it pseudonymises every batch again from the archive, in one "
            "step, and records the new key's fingerprint; the next `cdw run` rebuilds the warehouse.")
    return key


def write_error_report(path: Path, file_name: str, errors: Iterable[dict] | None, message: str | None,
                       detail: str | None = None) -> Path:
    """The provider's error report: every broken cell with its value (restricted: it quotes the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.tmp")
    with open(staged, "w", newline="", encoding="utf-8", opener=_owner_only) as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "column", "value", "rule"])
        if message is not None:
            writer.writerow([file_name, "", "", detail or "", message])
        for e in errors or []:
                writer.writerow([file_name, e["row_number"], e["column_name"], e["value"], e["rule"]])
    staged.replace(path)
    return path


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _summarise(file_name: str, errors: pa.Table) -> list[str]:
    reasons = [f"{file_name}: {errors.num_rows} cell(s) break the feed contract (the values are in the error "
               "report)"]
    for e in errors.slice(0, MAX_REPORTED_ERRORS).to_pylist():
        reasons.append(f"{file_name} row {e['row_number']} column {e['column_name']}: {e['rule']}")
    return reasons


@functools.cache
def _providers() -> list[dict[str, str]]:
    """The reference list of providers (ref_providers)."""
    with (SEEDS_DIR / "ref_providers.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def providers_by_type() -> dict[str, list[str]]:
    """Provider codes by provider type, from the reference list of providers."""
    found: dict[str, list[str]] = {}
    for row in _providers():
        found.setdefault(row["provider_type"], []).append(row["provider_code"])
    return found


def provider_names() -> dict[str, str]:
    """Provider names by code, from the reference list of providers."""
    return {row["provider_code"]: row["provider_name"] for row in _providers()}


@dataclass(frozen=True)
class Received:
    """A file registered, archived and parsed, waiting to be conformed with the provider's other new files."""

    submission: Submission
    contract: Contract
    provider: str
    period: str
    parsed: ParsedFile


class Intake:
    """Takes landing files through the first transitions of their lifecycle, one file's trouble never another's."""

    def __init__(self, paths: DataPaths, registry: Registry, run_id: str | None = None):
        self.paths, self.registry, self.run_id = paths, registry, run_id
        self.lifecycle = Lifecycle(paths, registry)

    # -- receipt ---------------------------------------------------------------------------------------

    def take(self, landing_file: LandingFile) -> Submission | str:
        """Receive one landing file: its submission (received, or rejected unread), or why it was not taken:
        "already received", "waiting" (still being written) or "vanished"."""
        registry = self.registry
        seen = registry.landing(landing_file.relative)
        if seen is not None and (seen["device"], seen["inode"], seen["size"], seen["mtime_ns"]) == landing_file.stamp:
            return "already received"
        refused = refusal(landing_file)
        if refused is None and not is_settled(landing_file):
            return "waiting"
        if refused is None:
            try:
                copy, checksum = copy_out(self.paths.landing, landing_file, self.paths.archive / INCOMING)
            except NotReady:
                return "waiting"
            except FileNotFoundError:
                return "vanished"
            except Unreadable as exc:
                refused = str(exc)
        if refused is not None:
            rejected = self.lifecycle.reject_unread(landing_file, refused, self.run_id)
            write_error_report(Path(str(rejected.error_report)), landing_file.name, None, refused)
            registry.record_landing(landing_file.relative, landing_file.stamp, None, rejected.submission_id)
            return rejected
        latest = registry.latest_receipt(landing_file.name)
        if latest is not None and latest.checksum == checksum:  # the same bytes as its latest receipt
            copy.unlink()
            registry.record_landing(landing_file.relative, landing_file.stamp, checksum, latest.submission_id)
            return "already received"
        submission = self.lifecycle.receive(landing_file, copy, checksum, self.run_id)
        registry.record_landing(landing_file.relative, landing_file.stamp, checksum, submission.submission_id)
        return submission

    def resume(self, submission: Submission) -> Submission:
        """A submission an interrupted run left received: archived again from the landing area if its archive
        copy never got there (the bytes must be the ones registered), or rejected with the reason if the file
        is gone or changed."""
        if submission.archive_path and Path(submission.archive_path).exists():
            return submission
        found = landing_entry(self.paths.landing, Path(submission.landing_path))
        if found is not None and refusal(found) is None:
            try:
                copy, checksum = copy_out(self.paths.landing, found, self.paths.archive / INCOMING)
            except (NotReady, Unreadable, FileNotFoundError):
                copy, checksum = None, None
            if copy is not None and checksum == submission.checksum:
                self.lifecycle.archive(copy, Path(str(submission.archive_path)))
                return self.registry.get(submission.submission_id)
            if copy is not None:
                copy.unlink()
        reason = (f"{submission.file_name}: an interrupted run registered this file but could not archive it, and "
                  "it is no longer in the landing area unchanged: please send it again")
        return self._reject(submission, SubmissionError(reason))

    # -- parsing and conforming ------------------------------------------------------------------------

    def _reject(self, submission: Submission, exc: SubmissionError) -> Submission:
        report = error_report_path(self.paths, submission.submission_id, submission.file_name)
        write_error_report(report, submission.file_name, None, str(exc), exc.detail)
        return self.lifecycle.reject(submission, [str(exc)], report)

    def parse(self, submission: Submission) -> Submission | Received:
        """Read a received submission from its archive copy: rejected if it cannot be used, else parsed."""
        try:
            received = self.read(submission)
        except SubmissionError as exc:
            return self._reject(self.registry.get(submission.submission_id), exc)
        except Exception as exc:  # anything else that goes wrong with one file: that file is refused, not the run
            return self._reject(self.registry.get(submission.submission_id), _unexpected(submission.file_name, exc))
        self.registry.update(submission.submission_id, layout=received.parsed.layout,
                             rows=received.parsed.table.num_rows)  # provider, feed and period: set by read
        return received

    def read(self, submission: Submission) -> Received:
        """Check a submission's name and read its archive copy; ``SubmissionError`` says why it cannot be used."""
        name = submission.file_name
        parts = parse_file_name(name)
        contract = contracts().get(parts["feed"])
        if contract is None:
            raise SubmissionError(f"{name}: unknown feed {parts['feed']!r} (known: {', '.join(contracts())})")
        self.registry.update(submission.submission_id, provider=parts["provider"], feed=parts["feed"],
                             period=parts["period"])
        if parts["provider"] not in providers_by_type().get(contract.provider_type, []):
            raise SubmissionError(f"{name}: {parts['provider']} is not a known provider of the "
                                  f"{contract.feed} feed (see the reference list of providers)")
        if ("Q" in parts["period"]) != (contract.period_grain == "quarter"):
            raise SubmissionError(f"{name}: feed {contract.feed} is submitted per "
                                  f"{contract.period_grain}, not for period {parts['period']}")
        check_period(name, parts["period"])
        parsed = read_submission(Path(str(submission.archive_path)), contract, name)
        return Received(self.registry.get(submission.submission_id), contract, parts["provider"], parts["period"],
                        parsed)

    def conform(self, received: list[Received], conformer: Conformer) -> list[Submission]:
        """Check and pseudonymise parsed files, those of one feed, layout and provider in one pass; write each
        file's pending batch, or quarantine it with its error report. A pass that fails is retried file by file,
        so that only the file that breaks it is refused."""
        groups: dict[tuple[str, str, str], list[Received]] = {}
        for item in received:
            groups.setdefault((item.contract.feed, item.parsed.layout, item.provider), []).append(item)
        for items in groups.values():
            try:
                batches = self._conform_group(items, conformer)
            except Exception:
                batches = None
            if batches is not None:
                for item, batch in zip(items, batches, strict=True):
                    self._store(item, batch)
                continue
            for item in items:
                try:
                    (batch,) = self._conform_group([item], conformer)
                except Exception as exc:
                    self._reject(item.submission, _unexpected(item.submission.file_name, exc))
                    continue
                self._store(item, batch)
        return [self.registry.get(item.submission.submission_id) for item in received]

    @staticmethod
    def _conform_group(items: list[Received], conformer: Conformer) -> list[Batch]:
        first = items[0]
        return conformer.conform_many([(i.parsed.table, period_bounds(i.period)[1]) for i in items],
                                      first.contract, first.parsed.layout, first.provider)

    def _store(self, item: Received, batch: Batch) -> None:
        submission = item.submission
        if batch.errors.num_rows:
            report = error_report_path(self.paths, submission.submission_id, submission.file_name)
            write_error_report(report, submission.file_name, batch.errors.to_pylist(), None)
            self.lifecycle.quarantine(submission, _summarise(submission.file_name, batch.errors), report)
            return
        self.lifecycle.to_pending(submission, _batch_table(item, batch), item.parsed.layout, batch.identities)

    def rebuild(self, conformer: Conformer, staging: Path, restricted_staging: Path) -> list[tuple[Path, Path]]:
        """Make every batch again from its archive copy (with ``conformer``'s key) under ``staging``, and its
        dates of birth under ``restricted_staging``; return (new file, where it belongs) pairs. Nothing in place
        is touched, so a failure changes nothing."""
        planned = []
        for submission in self.registry.all():
            target = batch_location(self.paths, submission)
            if target is None:
                continue
            try:
                parsed = self.read(submission)
            except SubmissionError as exc:
                raise RuntimeError(f"submission {submission.submission_id} cannot be read from its archive copy "
                                   f"any more ({exc}); nothing was changed") from None
            (batch,) = self._conform_group([parsed], conformer)
            if batch.errors.num_rows:
                raise RuntimeError(f"{submission.file_name} (submission {submission.submission_id}) no longer "
                                   "conforms to its contract; nothing was changed")
            staged = staging / target.relative_to(self.paths.root)
            staged.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(_batch_table(parsed, batch), staged)
            planned.append((staged, target))
            if batch.identities is not None:
                kept = identities_path(self.paths, submission.submission_id)
                staged_dates = restricted_staging / kept.name
                restricted_staging.mkdir(mode=0o700, parents=True, exist_ok=True)
                pq.write_table(identities_table(submission, batch.identities), staged_dates)
                planned.append((staged_dates, kept))
        return planned


def _batch_table(item: Received, batch: Batch) -> pa.Table:
    """A conformed file as its batch: every row tagged with its submission, provider and period."""
    rows = batch.table.num_rows
    table = batch.table.append_column("submission_id", pa.array([item.submission.submission_id] * rows, pa.int64()))
    for name, value in (("provider_code", item.provider), ("period", item.period)):
        table = table.append_column(name, pa.array([value] * rows, pa.string()))
    return table


def _unexpected(name: str, exc: Exception) -> SubmissionError:
    """A file that broke the reader in a way no rule foresaw: refused, its error kept for the warehouse team (the
    message may quote the file, so it goes to the error report only)."""
    return SubmissionError(f"{name}: could not be processed ({type(exc).__name__}); the warehouse team has the "
                           "details in the error report", detail=str(exc)[:2000])


@dataclass
class IngestSummary:
    seen: int = 0
    rows: int = 0
    submissions: list[Submission] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # "already received", "waiting", "vanished"
    resumed: int = 0

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.submissions:
            counts[s.status] = counts.get(s.status, 0) + 1
        return counts | self.skipped


def ingest_landing(paths: DataPaths, registry: Registry, conformer: Conformer, wanted: Callable[[str], bool],
                   run_id: str | None = None) -> IngestSummary:
    """Ingest every new landing file whose name ``wanted`` accepts, in order of receipt, and finish what an
    interrupted run left received."""
    intake = Intake(paths, registry, run_id)
    summary = IngestSummary()
    leftovers = [s for s in registry.unfinished() if s.status == "received" and wanted(s.file_name)]
    summary.resumed = len(leftovers)
    taken = [intake.resume(s) for s in leftovers]
    for landing_file in discover(paths.landing):
        if not wanted(landing_file.name):
            continue
        summary.seen += 1
        outcome = intake.take(landing_file)
        if isinstance(outcome, str):
            summary.skipped[outcome] = summary.skipped.get(outcome, 0) + 1
        else:
            taken.append(outcome)
    received: list[Received] = []
    for submission in taken:
        outcome = intake.parse(submission) if submission.status == "received" else submission
        if isinstance(outcome, Received):
            received.append(outcome)
        else:
            summary.submissions.append(outcome)
    summary.submissions += intake.conform(received, conformer)
    summary.submissions.sort(key=lambda s: s.submission_id)
    summary.rows = sum(s.rows or 0 for s in summary.submissions)
    return summary


def ingest_file(paths: DataPaths, registry: Registry, landing_file: LandingFile, conformer: Conformer,
                run_id: str | None = None) -> Submission | None:
    """Take one landing file as far as a pending batch; None if it was not taken (already received, waiting)."""
    intake = Intake(paths, registry, run_id)
    outcome = intake.take(landing_file)
    if isinstance(outcome, str):
        return None
    parsed = intake.parse(outcome) if outcome.status == "received" else outcome
    if isinstance(parsed, Received):
        return intake.conform([parsed], conformer)[0]
    return parsed


def rebuild_batches(paths: DataPaths, registry: Registry, rotate_key: bool) -> int:
    """Pseudonymise every batch again from the archive with the key now set: to rotate the key (``rotate_key``:
    the deliberate step that lets a new key replace the recorded one), or to restore batches that were lost.

    All batches are made under a staging folder first; only then are they swapped in, with the registry marking
    the rotation as under way, so an interruption is finished by running the command again."""
    key = pseudonymisation_key()
    fingerprint = key_fingerprint(key)
    recorded = registry.setting(KEY_FINGERPRINT)
    if recorded not in (None, fingerprint) and not rotate_key:
        raise KeyMismatchError("the key set is not the one this data root's batches were made with; pass "
                               "--rotate-key if you mean to replace it")
    staging = paths.root / "batches" / ".rebuild"
    restricted_staging = paths.identities / ".rebuild"  # dates of birth never leave the restricted zone
    for folder in (staging, restricted_staging):
        shutil.rmtree(folder, ignore_errors=True)
    intake = Intake(paths.ensure(), registry)
    with Conformer(key) as conformer:
        planned = intake.rebuild(conformer, staging, restricted_staging)
    registry.set_setting(KEY_ROTATION, fingerprint)
    for staged, target in planned:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
    registry.set_setting(KEY_FINGERPRINT, fingerprint)
    registry.clear_setting(KEY_ROTATION)
    for folder in (staging, restricted_staging):
        shutil.rmtree(folder, ignore_errors=True)
    return len(planned)


def is_known_submission(name: str) -> bool:
    """Whether a file name names a known provider and one of the feeds of its type."""
    match = FILE_NAME.fullmatch(name)
    if not match or match["feed"] not in contracts():
        return False
    return match["provider"] in providers_by_type().get(contracts()[match["feed"]].provider_type, [])
