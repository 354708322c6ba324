"""The batch registry: one row per submission received, whatever became of it.

SQLite in the restricted zone (readable by its owner only): transactional, in the standard library, and
written only by ingest and the quality gate (never by dbt), so it never contends with the warehouse's single
DuckDB writer. A submission's status is changed only by ``orchestration.lib.lifecycle``, which owns the
allowed transitions; this module stores what it decides. Beside the submissions it keeps what was last seen
at each landing path (so an unchanged file is not read again, and a file re-landed is a new receipt), the
fingerprint of the pseudonymisation key, and the audit log of extracts with every value each released.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

STATUSES = ("received", "pending", "accepted", "quarantined", "superseded", "rejected")

SCHEMA = """
create table if not exists submissions (
    submission_id integer primary key autoincrement,
    provider text, feed text, period text, layout text,
    file_name text not null, landing_path text not null, archive_path text,
    checksum text not null, rows integer, received_at text not null,
    status text not null, reasons text not null default '[]',
    error_report text, batch_path text, superseded_by integer, run_id text,
    measures text, validation_docs text, gate_run text
);
create index if not exists submissions_file on submissions (file_name, checksum);
create table if not exists landings (
    landing_path text primary key, device integer, inode integer, size integer, mtime_ns integer,
    checksum text, submission_id integer, seen_at text not null
);
create table if not exists settings (name text primary key, value text not null);
create table if not exists extracts (
    extract_id integer primary key autoincrement,
    recipient text not null, quarter text not null, run_id text, publication_run_id text,
    created_at text not null, directory text not null, files text not null
);
create table if not exists released_values (
    extract_id integer not null references extracts (extract_id),
    indicator text not null, unit text not null, period_type text not null, geographic_level text not null,
    area_code text not null, breakdown text not null, breakdown_value text not null, shown text not null
);
create index if not exists released_values_extract on released_values (extract_id);
"""
# what a released value is recorded by, in the order of released_values' columns after extract_id
RELEASED_VALUE = ("indicator", "unit", "period_type", "geographic_level", "area_code", "breakdown",
                  "breakdown_value", "shown")


@dataclass
class Submission:
    submission_id: int
    provider: str | None
    feed: str | None
    period: str | None
    layout: str | None
    file_name: str
    landing_path: str
    archive_path: str | None
    checksum: str
    rows: int | None
    received_at: str
    status: str
    reasons: list[str]
    error_report: str | None
    batch_path: str | None
    superseded_by: int | None
    run_id: str | None
    measures: str | None = None  # JSON: the batch's measures at the gate
    validation_docs: str | None = None  # the Data Docs page of the gate run that judged it
    gate_run: str | None = None  # the run whose quality gate judged it

    def as_dict(self) -> dict:
        return asdict(self)


class Registry:
    """One connection per registry object; each call is its own transaction (WAL, so readers never wait)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.parent.chmod(0o700)
        if not path.exists():  # created owner-only; SQLite gives its -wal and -shm files the same mode
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        path.chmod(0o600)
        self.path = path
        self._con = sqlite3.connect(self.path, timeout=30)
        self._con.row_factory = sqlite3.Row
        self._con.execute("pragma journal_mode = wal")
        self._con.execute("pragma synchronous = normal")
        with self._connect() as con:
            con.executescript(SCHEMA)
            present = {row["name"] for row in con.execute("pragma table_info(submissions)")}
            for column in ("run_id", "measures", "validation_docs", "gate_run"):  # registries of earlier versions
                if column not in present:
                    con.execute(f"alter table submissions add column {column} text")

    def close(self) -> None:
        self._con.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._con.close()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._con:
            yield self._con

    def add(self, file_name: str, landing_path: str, checksum: str, received_at: dt.datetime,
            run_id: str | None = None, fields_for: Callable[[int], dict[str, object]] | None = None) -> int:
        """Insert a submission (received, unless ``fields_for`` says otherwise) and, in the same transaction, the
        fields that depend on its new id (its archive path, its error report)."""
        with self._connect() as con:
            cursor = con.execute(
                "insert into submissions (file_name, landing_path, checksum, received_at, status, run_id) "
                "values (?, ?, ?, ?, 'received', ?)",
                (file_name, landing_path, checksum, received_at.isoformat(timespec="seconds"), run_id))
            submission_id = int(cursor.lastrowid)
            fields = fields_for(submission_id) if fields_for else {}
            if fields.get("status", "received") not in STATUSES:
                raise ValueError(f"unknown status {fields['status']}")
            values = {k: json.dumps(v, ensure_ascii=False) if k == "reasons" else v for k, v in fields.items()}
            if values:
                con.execute(f"update submissions set {', '.join(f'{k} = ?' for k in values)} "
                            "where submission_id = ?", (*values.values(), submission_id))
            return submission_id

    def update(self, submission_id: int, **fields: object) -> None:
        """Set fields other than the status (which only ``lifecycle`` changes, through ``apply``)."""
        if "status" in fields:
            raise ValueError("a submission's status changes only through orchestration.lib.lifecycle")
        self.apply({submission_id: fields})

    def apply(self, changes: dict[int, dict[str, object]]) -> None:
        """Several submissions' fields, status included, in one transaction: all of them or none."""
        with self._connect() as con:
            for submission_id, fields in changes.items():
                if "status" in fields and fields["status"] not in STATUSES:
                    raise ValueError(f"unknown status {fields['status']}")
                values = {k: json.dumps(v, ensure_ascii=False) if k == "reasons" else v for k, v in fields.items()}
                assignments = ", ".join(f"{name} = ?" for name in values)
                con.execute(f"update submissions set {assignments} where submission_id = ?",
                            (*values.values(), submission_id))

    def latest_receipt(self, file_name: str) -> Submission | None:
        """The last submission received under this file name (a re-landing of it is no new receipt)."""
        with self._connect() as con:
            row = con.execute("select * from submissions where file_name = ? order by submission_id desc limit 1",
                              (file_name,)).fetchone()
        return _submission(row) if row else None

    def landing(self, landing_path: str) -> sqlite3.Row | None:
        """What was last seen at a landing path: device, inode, size, modification time, checksum."""
        with self._connect() as con:
            return con.execute("select * from landings where landing_path = ?", (landing_path,)).fetchone()

    def landing_stamps(self) -> dict[str, tuple[int, int, int, int]]:
        """What was last seen at every landing path (device, inode, size, modification time): the one record of
        what was received, which the landing sensor and every run ask."""
        with self._connect() as con:
            rows = con.execute("select landing_path, device, inode, size, mtime_ns from landings").fetchall()
        return {r["landing_path"]: (r["device"], r["inode"], r["size"], r["mtime_ns"]) for r in rows}

    def record_landing(self, landing_path: str, stamp: tuple[int, int, int, int], checksum: str | None,
                       submission_id: int | None) -> None:
        device, inode, size, mtime_ns = stamp
        with self._connect() as con:
            con.execute("insert or replace into landings values (?, ?, ?, ?, ?, ?, ?, ?)",
                        (landing_path, device, inode, size, mtime_ns, checksum, submission_id,
                         dt.datetime.now().isoformat(timespec="seconds")))

    def setting(self, name: str) -> str | None:
        with self._connect() as con:
            row = con.execute("select value from settings where name = ?", (name,)).fetchone()
        return row["value"] if row else None

    def set_setting(self, name: str, value: str) -> None:
        with self._connect() as con:
            con.execute("insert or replace into settings values (?, ?)", (name, value))

    def clear_setting(self, name: str) -> None:
        with self._connect() as con:
            con.execute("delete from settings where name = ?", (name,))

    def unfinished(self) -> list[Submission]:
        """Submissions not in a final state (received or pending)."""
        with self._connect() as con:
            return [_submission(r) for r in con.execute(
                "select * from submissions where status in ('received', 'pending') order by submission_id")]

    def get(self, submission_id: int) -> Submission:
        with self._connect() as con:
            row = con.execute("select * from submissions where submission_id = ?", (submission_id,)).fetchone()
        if row is None:
            raise KeyError(submission_id)
        return _submission(row)

    def all(self, status: str | None = None, feed: str | None = None) -> list[Submission]:
        where = {name: value for name, value in (("status", status), ("feed", feed)) if value}
        query = "select * from submissions" + (" where " + " and ".join(f"{k} = ?" for k in where) if where else "")
        with self._connect() as con:
            return [_submission(r) for r in con.execute(query + " order by submission_id", tuple(where.values()))]

    def record_extract(self, recipient: str, quarter: str, run_id: str | None, publication_run_id: str,
                       created_at: str, directory: str, files: dict[str, str],
                       values: Iterable[tuple[str, ...]] = ()) -> int:
        """The audit log of extracts: who received which quarter, when, the checksum of every file, and every value
        released (as ``RELEASED_VALUE``), which the disclosure control of the recipient's next releases reads."""
        with self._connect() as con:
            cursor = con.execute(
                "insert into extracts (recipient, quarter, run_id, publication_run_id, created_at, directory, files) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                (recipient, quarter, run_id, publication_run_id, created_at, directory, json.dumps(files)))
            extract_id = int(cursor.lastrowid)
            con.executemany(f"insert into released_values values (?, {', '.join('?' for _ in RELEASED_VALUE)})",
                            ((extract_id, *value) for value in values))
            return extract_id

    def released_values(self, recipient: str) -> dict[str, list[list[tuple[str, ...]]]]:
        """Every value released to a recipient: by quarter, one list per extract of it, oldest first."""
        with self._connect() as con:
            rows = con.execute(
                f"select extracts.quarter, extracts.extract_id, {', '.join(RELEASED_VALUE)} from released_values "
                "join extracts using (extract_id) where extracts.recipient = ? order by extracts.extract_id",
                (recipient,)).fetchall()
        by_extract: dict[tuple[str, int], list[tuple[str, ...]]] = {}
        for quarter, extract_id, *value in rows:
            by_extract.setdefault((quarter, extract_id), []).append(tuple(value))
        released: dict[str, list[list[tuple[str, ...]]]] = {}
        for (quarter, _), values in by_extract.items():
            released.setdefault(quarter, []).append(values)
        return released

    def extracts(self) -> list[dict]:
        with self._connect() as con:
            rows = con.execute("select * from extracts order by extract_id").fetchall()
        return [{**dict(row), "files": json.loads(row["files"])} for row in rows]

    def current(self, provider: str, feed: str, period: str) -> Submission | None:
        with self._connect() as con:
            row = con.execute("select * from submissions where provider = ? and feed = ? and period = ? "
                              "and status = 'accepted' order by submission_id desc limit 1",
                              (provider, feed, period)).fetchone()
        return _submission(row) if row else None


def _submission(row: sqlite3.Row) -> Submission:
    values = dict(row)
    values["reasons"] = json.loads(values["reasons"] or "[]")
    return Submission(**values)
