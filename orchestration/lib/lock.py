"""One writer per data root: a lock held by `cdw run`, `cdw extract`, `cdw rekey` and every Dagster step that writes.

Two runs on one data root would promote the same batch twice and move each other's files (the registry then
says a submission was superseded by itself). The lock is an ``flock`` on ``<data root>/writer.lock``: the kernel
releases it when its holder dies, however it dies, so a lock left by a dead process never blocks anyone. The
file names its holder (process id, command, start time) for the message a second writer sees, and a holder
that is found to be gone is reported as a stale lock cleared.

The lock is re-entrant within a process: `cdw run` holds it for the whole run, and the Dagster steps it runs
in-process take it again without waiting on themselves. Runs that Dagster launches in other processes (the UI,
the landing sensor) take it step by step and wait for it (``lifecycle.writing``). The record a holder leaves when
it does not finish cleanly is also how the next writer knows to recover what it left half done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "writer.lock"
WAIT_VARIABLE = "CDW_LOCK_TIMEOUT_SECONDS"
DEFAULT_WAIT_SECONDS = 3600.0  # a Dagster step waits this long for another writer to finish
POLL_SECONDS = 0.5



class DataRootBusy(RuntimeError):
    """Another process writes this data root."""


def _holder_text() -> str:
    return json.dumps({"pid": os.getpid(), "command": " ".join(sys.argv[:3]) or "python",
                       "started": dt.datetime.now().isoformat(timespec="seconds")})


def describe_holder(path: Path) -> str:
    """Who holds the lock, as the lock file says (for messages)."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another process"
    if not holder:
        return "another process"
    return f"process {holder.get('pid')} ({holder.get('command')}, since {holder.get('started')})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_wait() -> float:
    return float(os.environ.get(WAIT_VARIABLE, DEFAULT_WAIT_SECONDS))


@dataclass
class Hold:
    """This process's hold on a data root's lock."""

    fd: int
    depth: int = 1
    clean: bool = True  # False once a block under the lock ended with an exception
    previous_unclean: bool = False  # the holder before this one did not finish cleanly (killed, or failed)


_held: dict[str, Hold] = {}  # lock path -> this process's hold


@contextlib.contextmanager
def data_root_lock(root: Path, wait: float = 0.0, on_wait: Callable[[str], None] | None = None,
                   on_stale: Callable[[str], None] | None = None) -> Iterator[Hold]:
    """Hold the data root's writer lock; wait up to ``wait`` seconds for it, then raise ``DataRootBusy``.

    The lock file names its holder while it is held and is emptied when the hold ends cleanly; a holder that is
    killed, or whose work under the lock ends in an exception, leaves its record. The next holder then knows the
    last writer did not finish (``Hold.previous_unclean``), so that what it left half done is recovered."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    key = str(path)
    if key in _held:  # re-entered by this process (a step of the run that holds it)
        hold = _held[key]
        hold.depth += 1
        try:
            yield Hold(hold.fd, depth=hold.depth)
        except BaseException:
            hold.clean = False
            raise
        finally:
            hold.depth -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DataRootBusy(
                        f"the data root {root} is being written by {describe_holder(path)}; only one run may "
                        "write it at a time. Wait for that run to finish (or pass --wait), then try again.") from None
                if on_wait is not None and not told:
                    on_wait(f"waiting for the data root lock held by {describe_holder(path)}")
                    told = True
                time.sleep(POLL_SECONDS)
        previous = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        hold = Hold(fd, previous_unclean=bool(previous.strip()))
        with contextlib.suppress(ValueError, AttributeError):
            pid = json.loads(previous).get("pid") if previous.strip() else None
            if pid and pid != os.getpid() and not _alive(int(pid)) and on_stale is not None:
                on_stale(f"cleared a stale data root lock left by process {pid}, which is no longer running")
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder_text().encode("utf-8"), 0)
        _held[key] = hold
        try:
            yield hold
        except BaseException:
            hold.clean = False
            raise
        finally:
            del _held[key]
            if hold.clean:
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
