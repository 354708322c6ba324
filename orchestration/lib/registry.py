"""The batch registry: one row per submission received, whatever became of it.

SQLite in the restricted zone: transactional, in the standard library, and
written only by the ingest step and the quality gate (never by dbt), so it
never contends with the warehouse's single DuckDB writer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
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
    measures text, validation_docs text
);
create index if not exists submissions_file on submissions (file_name, checksum);
create table if not exists extracts (
    extract_id integer primary key autoincrement,
    recipient text not null, quarter text not null, run_id text, publication_run_id text,
    created_at text not null, directory text not null, files text not null
);
"""


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

    def as_dict(self) -> dict:
        return asdict(self)


class Registry:
    """One connection per registry object; each call is its own transaction (WAL, so readers never wait)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._con = sqlite3.connect(self.path, timeout=30)
        self._con.row_factory = sqlite3.Row
        self._con.execute("pragma journal_mode = wal")
        self._con.execute("pragma synchronous = normal")
        with self._connect() as con:
            con.executescript(SCHEMA)
            present = {row["name"] for row in con.execute("pragma table_info(submissions)")}
            for column in ("run_id", "measures", "validation_docs"):  # registries made by earlier versions
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

    def seen(self, file_name: str, checksum: str) -> Submission | None:
        """A submission of the same file with the same content, if one was already received."""
        with self._connect() as con:
            row = con.execute("select * from submissions where file_name = ? and checksum = ? "
                              "order by submission_id limit 1", (file_name, checksum)).fetchone()
        return _submission(row) if row else None

    def add(self, file_name: str, landing_path: str, checksum: str, received_at: dt.datetime,
            run_id: str | None = None) -> int:
        with self._connect() as con:
            cursor = con.execute(
                "insert into submissions (file_name, landing_path, checksum, received_at, status, run_id) "
                "values (?, ?, ?, ?, 'received', ?)",
                (file_name, landing_path, checksum, received_at.isoformat(timespec="seconds"), run_id))
            return int(cursor.lastrowid)

    def update(self, submission_id: int, **fields: object) -> None:
        if "status" in fields and fields["status"] not in STATUSES:
            raise ValueError(f"unknown status {fields['status']}")
        if "reasons" in fields:
            fields["reasons"] = json.dumps(fields["reasons"], ensure_ascii=False)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._connect() as con:
            con.execute(f"update submissions set {assignments} where submission_id = ?",
                        (*fields.values(), submission_id))

    def get(self, submission_id: int) -> Submission:
        with self._connect() as con:
            row = con.execute("select * from submissions where submission_id = ?", (submission_id,)).fetchone()
        if row is None:
            raise KeyError(submission_id)
        return _submission(row)

    def all(self, status: str | None = None) -> list[Submission]:
        query, args = "select * from submissions", ()
        if status:
            query, args = query + " where status = ?", (status,)
        with self._connect() as con:
            return [_submission(r) for r in con.execute(query + " order by submission_id", args)]

    def record_extract(self, recipient: str, quarter: str, run_id: str | None, publication_run_id: str,
                       created_at: str, directory: str, files: dict[str, str]) -> int:
        """The audit log of extracts: who received which quarter, when, and the checksum of every file."""
        with self._connect() as con:
            cursor = con.execute(
                "insert into extracts (recipient, quarter, run_id, publication_run_id, created_at, directory, files) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                (recipient, quarter, run_id, publication_run_id, created_at, directory, json.dumps(files)))
            return int(cursor.lastrowid)

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
