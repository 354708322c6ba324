"""A submission's lifecycle: the one place that changes its status and moves its files.

::

    (landing file) ──receive──► received ──to_pending──► pending ──accept──► accepted ──(a later one)──► superseded
                                   │  │                     │  │
                                   │  └─reject─► rejected   │  └─quarantine─► quarantined (failed the gate)
                                   └─quarantine─► quarantined (broke the contract at ingest)
                                                            └─accept, behind a later receipt─► superseded
    pending ──reopen──► received   (recovery only: the pending batch is gone; it is made again from the archive)
    accepted ──withdraw──► quarantined (rows that passed the gate fail a warehouse test); what it superseded is
                                       accepted again

Received and pending are the only states a submission passes through; the others are final, but for a
withdrawal, the warehouse's second line behind the gate. Every transition
is one registry transaction, and the batch file then moves to the folder of its new status. The file name
carries the submission id (``<id>_<provider>_<feed>_<period>.parquet``) in every folder, so a crash between
the transaction and the move leaves nothing ambiguous: ``recover`` puts every batch where the registry says,
before anything reads the batches. Files are written under temporary names and renamed, so no crash leaves a
half-written archive copy or batch in place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.conform import IDENTITY_FIELDS, empty_batch
from orchestration.lib.landing import LandingFile, archive_name
from orchestration.lib.lock import Hold, data_root_lock, default_wait
from orchestration.lib.registry import Registry, Submission
from orchestration.lib.settings import DataPaths

FINAL = frozenset({"accepted", "quarantined", "rejected", "superseded"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"pending", "quarantined", "rejected"}),
    "pending": frozenset({"accepted", "quarantined", "superseded", "received"}),
    "accepted": frozenset({"superseded", "quarantined"}),  # quarantined: withdrawn after a warehouse test failed
    "quarantined": frozenset(),
    "rejected": frozenset(),
    "superseded": frozenset({"accepted"}),  # the batch a withdrawn one had replaced is current again
}
INCOMING = ".incoming"  # the archive's folder for copies not yet registered


class TransitionError(RuntimeError):
    """A status change the lifecycle does not allow (a bug, or two writers: see ``lock``)."""


def batch_file_name(submission: Submission) -> str:
    return f"{submission.submission_id:06d}_{submission.provider}_{submission.feed}_{submission.period}.parquet"


def _folder(paths: DataPaths, status: str) -> Path | None:
    return {"pending": paths.pending, "accepted": paths.current, "superseded": paths.superseded,
            "quarantined": paths.quarantine}.get(status)


def batch_location(paths: DataPaths, submission: Submission, status: str | None = None) -> Path | None:
    """Where a submission's batch belongs in a status (None: it has no batch, or the status keeps none)."""
    folder = _folder(paths, status or submission.status)
    if folder is None or submission.batch_path is None:
        return None
    return folder / str(submission.feed) / batch_file_name(submission)


@dataclass
class Recovery:
    """What ``recover`` found an earlier run had left unfinished, and what it did about it."""

    moved: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # batches of final submissions missing from every folder
    debris: int = 0

    def __bool__(self) -> bool:
        return bool(self.moved or self.reopened or self.archived or self.lost or self.debris)


class Lifecycle:
    def __init__(self, paths: DataPaths, registry: Registry):
        self.paths, self.registry = paths, registry

    # -- transitions -----------------------------------------------------------------------------------

    def _apply(self, changes: dict[int, dict[str, object]]) -> None:
        for submission_id, fields in changes.items():
            if "status" not in fields:
                continue
            current = self.registry.get(submission_id).status
            wanted = str(fields["status"])
            if wanted != current and wanted not in TRANSITIONS[current]:
                raise TransitionError(f"submission {submission_id}: {current} cannot become {wanted}")
        self.registry.apply(changes)

    def receive(self, landing_file: LandingFile, copy: Path, checksum: str, run_id: str | None) -> Submission:
        """Register a landing file already copied (``copy``, a temporary name in the archive) and archive it."""
        incoming = self.paths.archive / INCOMING / checksum
        os.replace(copy, incoming)  # found again by its checksum if the process dies before the rename below

        def archive_path(submission_id: int) -> dict[str, object]:
            folder = self.paths.archive / landing_file.received_at.date().isoformat()
            return {"archive_path": str(folder / archive_name(submission_id, landing_file.name))}

        submission_id = self.registry.add(landing_file.name, landing_file.shown_path, checksum,
                                          landing_file.received_at, run_id, archive_path)
        submission = self.registry.get(submission_id)
        self.archive(incoming, Path(str(submission.archive_path)))
        return submission

    def reject_unread(self, landing_file: LandingFile, reason: str, run_id: str | None) -> Submission:
        """Register an entry that is not read at all (a link, a device, a file over the limits) as rejected,
        in one transaction; its error report is written after."""
        submission_id = self.registry.add(
            landing_file.name, landing_file.shown_path, "", landing_file.received_at, run_id,
            lambda sid: {"status": "rejected", "reasons": [reason],
                         "error_report": str(error_report_path(self.paths, sid, landing_file.name))})
        return self.registry.get(submission_id)

    def to_pending(self, submission: Submission, table: pa.Table, layout: str,
                   identities: pa.Table | None = None) -> Submission:
        """Write a conformed batch and hand it to the quality gate. A feed whose records name a child keeps their
        identifiers first, in the restricted zone, for exact ages at events (``ages``) and linkage (``linkage``);
        a crash between the two leaves only identifiers that no current batch names."""
        if identities is not None:
            write_parquet(identities_table(submission, identities), identities_path(self.paths,
                                                                                    submission.submission_id))
        pending = self.paths.pending / str(submission.feed) / batch_file_name(submission)
        write_parquet(table, pending)
        self._apply({submission.submission_id: {"status": "pending", "batch_path": str(pending), "layout": layout,
                                                "rows": table.num_rows}})
        return self.registry.get(submission.submission_id)

    def reject(self, submission: Submission, reasons: list[str], report: Path) -> Submission:
        self._apply({submission.submission_id: {"status": "rejected", "reasons": reasons,
                                                "error_report": str(report)}})
        return self.registry.get(submission.submission_id)

    def quarantine(self, submission: Submission, reasons: list[str], report: Path | None = None) -> Submission:
        """Keep a submission out of the warehouse with its reasons (at ingest it has no batch; at the gate its
        batch moves to the quarantine folder)."""
        fields: dict[str, object] = {"status": "quarantined", "reasons": reasons}
        if report is not None:
            fields["error_report"] = str(report)
        if submission.batch_path is not None:
            fields["batch_path"] = str(batch_location(self.paths, submission, "quarantined"))
        self._apply({submission.submission_id: fields})
        quarantined = self.registry.get(submission.submission_id)
        self.place(quarantined)
        return quarantined

    def accept(self, submission: Submission, reasons: list[str] | None = None) -> Submission:
        """Make a batch that passed the gate the current one for its provider, feed and period.

        The latest receipt wins: an earlier current batch becomes superseded by this one, and if a later receipt
        of the same place is already current this one is superseded at once. A quarantined earlier receipt of
        the place is marked as cured by this one."""
        sid = submission.submission_id
        place = (submission.provider, submission.feed, submission.period)
        current = self.registry.current(*(str(p) for p in place))
        changes: dict[int, dict[str, object]] = {}
        if current is not None and current.submission_id > sid:
            status, superseded_by = "superseded", current.submission_id
        else:
            status, superseded_by = "accepted", None
            if current is not None and current.submission_id != sid:
                changes[current.submission_id] = {
                    "status": "superseded", "superseded_by": sid,
                    "batch_path": str(batch_location(self.paths, current, "superseded"))}
            for earlier in self.registry.all("quarantined", str(submission.feed)):
                if (earlier.provider, earlier.feed, earlier.period) == place and earlier.submission_id < sid \
                        and earlier.superseded_by is None:
                    changes[earlier.submission_id] = {"superseded_by": sid}
        changes[sid] = {"status": status, "superseded_by": superseded_by,
                        "batch_path": str(batch_location(self.paths, submission, status)),
                        **({"reasons": reasons} if reasons is not None else {})}
        self._apply(changes)
        for changed in changes:
            self.place(self.registry.get(changed))
        return self.registry.get(sid)

    def withdraw(self, submission: Submission, reasons: list[str]) -> Submission:
        """Take an accepted batch out of the warehouse after its rows failed a warehouse (dbt) test that the gate
        did not catch; the batch it had superseded, if any, is current again."""
        sid = submission.submission_id
        changes: dict[int, dict[str, object]] = {sid: {
            "status": "quarantined", "reasons": [*submission.reasons, *reasons],
            "batch_path": str(batch_location(self.paths, submission, "quarantined"))}}
        for earlier in self.registry.all("superseded", str(submission.feed)):
            if earlier.superseded_by == sid:
                changes[earlier.submission_id] = {"status": "accepted", "superseded_by": None,
                                                  "batch_path": str(batch_location(self.paths, earlier, "accepted"))}
        self._apply(changes)
        for changed in changes:
            self.place(self.registry.get(changed))
        return self.registry.get(sid)

    def reopen(self, submission: Submission) -> Submission:
        """A pending submission whose batch is gone goes back to received, to be made again from the archive."""
        self._apply({submission.submission_id: {"status": "received", "batch_path": None, "rows": None}})
        return self.registry.get(submission.submission_id)

    # -- files -----------------------------------------------------------------------------------------

    def archive(self, incoming: Path, archived: Path) -> None:
        """Move a complete copy into its archive place, readable by its owner only."""
        archived.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(incoming, archived)
        archived.chmod(0o400)

    def place(self, submission: Submission) -> bool:
        """Move a submission's batch to the folder of its status; False if it is in none of the folders."""
        target = batch_location(self.paths, submission)
        if target is None:
            return True
        if target.exists():
            return True
        for status in ("pending", "accepted", "superseded", "quarantined"):
            candidate = batch_location(self.paths, submission, status)
            if candidate is not None and candidate.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(candidate, target)
                return True
        return False

    def recover(self) -> Recovery:
        """Finish what an interrupted run left half done: every batch in the folder of its status, every
        registered file in the archive, pending submissions without a batch reopened, temporary files removed.
        Runs under the data root lock, before anything reads the batches."""
        found = Recovery()
        submissions = self.registry.all()
        for submission in submissions:
            if submission.status == "received" and submission.archive_path \
                    and not Path(submission.archive_path).exists():
                incoming = self.paths.archive / INCOMING / submission.checksum
                if incoming.exists():
                    self.archive(incoming, Path(submission.archive_path))
                    found.archived.append(submission.file_name)
                # otherwise ingest rejects it, or takes it again from the landing area (see ingest.resume)
            if submission.batch_path is None:
                continue
            target = batch_location(self.paths, submission)
            if target is not None and target.exists():
                continue
            if self.place(submission):
                found.moved.append(submission.file_name)
            elif submission.status == "pending":
                self.reopen(submission)
                found.reopened.append(submission.file_name)
            else:
                found.lost.append(f"{submission.file_name} (submission {submission.submission_id}, "
                                  f"{submission.status})")
        found.debris = remove_debris(self.paths, [s for s in submissions if s.status == "received"])
        return found


@contextlib.contextmanager
def writing(paths: DataPaths, log: Callable[[str], None]) -> Iterator[Hold]:
    """The data root's writer lock for one Dagster step (waiting for another writer, and saying so in ``log``);
    if the writer before did not finish cleanly, what it left half done is recovered first."""
    with data_root_lock(paths.root, wait=default_wait(), on_wait=log, on_stale=log) as hold:
        if hold.previous_unclean:
            recovered = Lifecycle(paths, Registry(paths.registry)).recover()
            if recovered:
                log(f"the last writer did not finish; recovered: {recovered}")
        yield hold


EMPTY_BATCH = "000000_empty.parquet"  # no submission has id 0: never taken for a provider's batch


def empty_batch_path(paths: DataPaths, feed: str) -> Path:
    return paths.current / feed / EMPTY_BATCH


def ensure_empty_batch(paths: DataPaths, feed: str) -> None:
    """A batch of no rows in the feed's current folder, so that a feed no provider has sent yet is an empty
    table with its columns (a region onboards Trusts before Sure Start projects), not a failed build. Written
    by the data root's writer (see ``writing``)."""
    target = empty_batch_path(paths, feed)
    if not target.exists():
        write_parquet(empty_batch(feed), target)


def identities_path(paths: DataPaths, submission_id: int) -> Path:
    """Where a batch's children's identifiers are kept (restricted), by submission: written once, never moved."""
    return paths.identities / f"{submission_id:06d}.parquet"


def identities_table(submission: Submission, identities: pa.Table) -> pa.Table:
    """A batch's identifiers as kept (restricted): its provider, period and submission, each person's keyed
    reference (the first column the conformer gives), the date of birth, the normalised names and postcode, and
    the HCN where it is valid."""
    rows = identities.num_rows
    return pa.table({
        "provider_code": pa.array([submission.provider] * rows, pa.string()),
        "period": pa.array([submission.period] * rows, pa.string()),
        "submission_id": pa.array([submission.submission_id] * rows, pa.int64()),
        "person_ref": identities.column(0).cast(pa.string()),
        **{name: identities.column(name).cast(kind) for name, kind in IDENTITY_FIELDS.items()},
    })


def replace_whole(target: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` write the file under a temporary name beside ``target``, then rename it into place, so no
    crash leaves a half-written file there (a leftover temporary is removed by ``_temporaries``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    write(staged)
    os.replace(staged, target)


def write_parquet(table: pa.Table, target: Path) -> None:
    """Write a table as Parquet, whole or not at all (``replace_whole``)."""
    replace_whole(target, lambda staged: pq.write_table(table, staged))


def _temporaries(paths: DataPaths) -> Iterable[Path]:
    """Files a killed process may have left half-written: never read by anything, safe to remove."""
    linkage = (paths.root / "restricted" / "linkage", paths.root / "batches" / "linkage")
    for folder in (paths.pending, paths.current, paths.superseded, paths.quarantine, paths.identities, paths.ages,
                   *linkage):
        if folder.exists():
            yield from folder.rglob(".*.tmp")
    if paths.published.parent.exists():
        yield from paths.published.parent.glob(f".{paths.published.name}.*.building")
        yield from paths.published.parent.glob(f".{paths.published.name}.*.building.tmp")  # its DuckDB's spill
    if paths.outbox.exists():
        yield from (p for p in paths.outbox.rglob(".*.building"))
        yield from paths.outbox.rglob("*-report.building")
    incoming = paths.archive / INCOMING
    if incoming.exists():
        yield from incoming.glob("*.part")


def remove_debris(paths: DataPaths, received: list[Submission]) -> int:
    """Remove what killed processes left behind; archive copies a received submission still needs are kept."""
    needed = {s.checksum for s in received}
    removed = 0
    incoming = paths.archive / INCOMING
    candidates = list(_temporaries(paths))
    if incoming.exists():
        candidates += [p for p in incoming.iterdir() if not p.name.endswith(".part") and p.name not in needed]
    for path in candidates:
        with contextlib.suppress(FileNotFoundError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed


def error_report_path(paths: DataPaths, submission_id: int, file_name: str) -> Path:
    return paths.reports / f"{archive_name(submission_id, file_name)}.errors.csv"
