"""A restricted-zone step that works over every current record may skip a run whose inputs did not change.

Linkage and exact ages are worked out again from all current batches on every run, so that a correction sent in a
later month reaches every record it touches. When no batch arrived, was withdrawn or was rebuilt since, that is the
same work for the same answer (at scale 30, linkage alone took 36 minutes to do it). A step records a digest of its
inputs beside its outputs when it finishes; the next run that finds the same digest, and the outputs still there,
keeps them. The digest covers each input file's path, size and modification time (batches and kept identifiers
are written once under new names and replaced by rename, never edited in place), the step's own code and any
other input it names (a model, a key's fingerprint), so a changed input or an upgraded step always runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestration.lib.lifecycle import replace_whole


def inputs_digest(files: Iterable[Path], others: Iterable[str | bytes] = ()) -> str:
    """A digest of files' paths, sizes and modification times (a missing file counts as missing) and other
    inputs, in a fixed order."""
    digest = hashlib.sha256()
    for path in sorted(str(f) for f in files):
        try:
            stat = os.stat(path)
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        except FileNotFoundError:
            digest.update(f"{path}\0missing\n".encode())
    for other in others:
        digest.update(hashlib.sha256(other.encode() if isinstance(other, str) else other).digest())
    return digest.hexdigest()


def files_in(*folders: Path, pattern: str = "*.parquet") -> list[Path]:
    """Every file matching ``pattern`` directly in the folders that exist."""
    return [f for folder in folders if folder.exists() for f in folder.glob(pattern)]


def last_result(record: Path, digest: str, outputs: Iterable[Path]) -> dict[str, Any] | None:
    """What the step recorded when it last finished, if its inputs had this digest and its outputs are all still
    there; else None (run it)."""
    if not record.exists() or not all(p.exists() for p in outputs):
        return None
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved.get("result") if saved.get("inputs") == digest else None


def remember(record: Path, digest: str, result: dict[str, Any]) -> None:
    """Record a finished step's input digest and result, replacing the last record whole."""
    text = json.dumps({"inputs": digest, "result": result})
    replace_whole(record, lambda staged: staged.write_text(text, encoding="utf-8"))
