"""The landing area, read as an attacker with write access to it might hope we would not.

Only regular files inside the landing area are read. Discovery never follows a link, and a file is opened one
directory at a time from the landing root with ``O_NOFOLLOW`` (so a directory swapped for a link between the
listing and the read is refused too); what is opened is checked to be a regular file before a byte is read.
Links, FIFOs, devices and sockets are reported unread. A file is taken only when it is complete: not changed
for a settling interval, and unchanged while it is copied (a file still being written waits for the next run);
files under a temporary name (``.name``, ``~$name``, ``name.tmp``, ``name.part``) wait too, until they are
renamed. Nothing is read twice: what was last seen at each path is kept in the registry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import stat
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SETTLE_VARIABLE = "CDW_LANDING_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 10.0  # a file changed more recently than this may still be being written
MAX_SUBMISSION_BYTES = 1 << 30  # larger files are refused unread (the largest real extract is tens of MB)
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart", ".swp")
ARCHIVE_NAME_BYTES = 120  # the archive keeps at most this much of a name, so that any name fits on disk
CHUNK = 1 << 20


class NotReady(Exception):
    """The file is still being written, or changed while it was read: it waits for the next run."""


class Unreadable(Exception):
    """The entry cannot be taken (not a regular file, too large, unreadable); the message says why."""


@dataclass(frozen=True)
class LandingFile:
    """An entry of the landing area, as ``lstat`` saw it."""

    path: Path
    relative: str  # the path below the landing area as the registry keeps it (see ``display_name``)
    kind: str  # "file", or what else it is: "symbolic link", "FIFO", "device", "socket", ...
    stamp: tuple[int, int, int, int]  # device, inode, size, modification time (ns)

    @property
    def name(self) -> str:
        """The file name as the registry and every message show it: undecodable bytes and control characters
        written as escapes, so that a name can neither break a log line nor fail to be stored."""
        return display_name(self.path.name)

    @property
    def shown_path(self) -> str:
        return display_name(str(self.path))

    @property
    def size(self) -> int:
        return self.stamp[2]

    @property
    def received_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.stamp[3] / 1e9)


def display_name(name: str) -> str:
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def archive_name(submission_id: int, name: str) -> str:
    """``<id>_<name>``, the name cut to fit any file system and stripped of anything but safe characters."""
    safe = re.sub(r"[^\w.\-]", "_", name, flags=re.ASCII)
    return f"{submission_id:06d}_{safe.encode()[:ARCHIVE_NAME_BYTES].decode('ascii', 'ignore')}"


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISREG, "file"), (stat.S_ISLNK, "symbolic link"), (stat.S_ISFIFO, "FIFO"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "directory")):
        if test(mode):
            return kind
    return "special file"


def is_temporary(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower().endswith(TEMPORARY_SUFFIXES)


def _stamp(info: os.stat_result) -> tuple[int, int, int, int]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def discover(landing: Path) -> list[LandingFile]:
    """Every entry of the landing area but its directories and temporary names, links included (to be refused),
    oldest modification first: files first found in the same run are received in that order."""
    if not landing.is_dir():
        return []
    found: list[LandingFile] = []
    for folder, dirnames, filenames, dirfd in os.fwalk(landing, follow_symlinks=False):
        entries = list(filenames)
        for name in list(dirnames):
            if stat.S_ISLNK(os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_mode):
                dirnames.remove(name)  # a link to a directory: refused, never walked
                entries.append(name)
            elif name.startswith("."):
                dirnames.remove(name)
        for name in entries:
            if is_temporary(name):
                continue
            try:
                info = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
            except FileNotFoundError:  # gone since the listing
                continue
            path = Path(folder) / name
            found.append(LandingFile(path, display_name(str(path.relative_to(landing))), _kind(info.st_mode),
                                     _stamp(info)))
    return sorted(found, key=lambda f: (f.stamp[3], f.relative))


def landing_entry(landing: Path, path: Path) -> LandingFile | None:
    """The landing area's entry at ``path`` as ``discover`` would list it (None if it is gone or outside)."""
    try:
        info = os.stat(path, follow_symlinks=False)
        relative = path.relative_to(landing)
    except (FileNotFoundError, ValueError):
        return None
    return LandingFile(path, display_name(str(relative)), _kind(info.st_mode), _stamp(info))


def settle_seconds() -> float:
    return float(os.environ.get(SETTLE_VARIABLE, DEFAULT_SETTLE_SECONDS))


def is_settled(landing_file: LandingFile, now: float | None = None) -> bool:
    """Whether the file has not been modified for the settling interval."""
    now = time.time() if now is None else now
    return now - landing_file.stamp[3] / 1e9 >= settle_seconds()


def _open_beneath(landing: Path, relative: str) -> int:
    """Open a file below the landing area without following a link at any level."""
    parts = Path(relative).parts
    fd = os.open(landing, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=fd)
    finally:
        os.close(fd)


def refusal(landing_file: LandingFile) -> str | None:
    """Why an entry is refused without being read, or None if it may be read."""
    if landing_file.kind != "file":
        return (f"{landing_file.name}: a {landing_file.kind}, not a regular file: only files placed in the "
                "landing area are read (nothing it points to is opened)")
    if landing_file.size > MAX_SUBMISSION_BYTES:
        return (f"{landing_file.name}: {landing_file.size:,} bytes, over the limit of "
                f"{MAX_SUBMISSION_BYTES:,}: not read; split the submission or ask the warehouse team")
    return None


def copy_out(landing: Path, landing_file: LandingFile, folder: Path) -> tuple[Path, str]:
    """Copy a landing file into ``folder`` (a temporary name) while hashing it; return the copy and its SHA-256.

    Raises ``NotReady`` if the file is not the one discovered or changed while it was read, ``Unreadable`` if
    it is not a regular file after all, and ``FileNotFoundError`` if it is gone."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = _open_beneath(landing, str(landing_file.path.relative_to(landing)))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        if exc.errno in (getattr(os, "ELOOP", 40), getattr(os, "ENOTDIR", 20)):
            raise Unreadable(f"{landing_file.name}: reached through a symbolic link: not read") from None
        raise Unreadable(f"{landing_file.name}: cannot be opened ({type(exc).__name__}): not read") from None
    target = folder / f"{uuid.uuid4().hex}.part"
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise Unreadable(f"{landing_file.name}: a {_kind(before.st_mode)}, not a regular file: not read")
        if _stamp(before) != landing_file.stamp:
            raise NotReady(f"{landing_file.name}: changed since it was found")
        digest = hashlib.sha256()
        copied = 0
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while block := os.read(fd, CHUNK):
                copied += len(block)
                if copied > MAX_SUBMISSION_BYTES:
                    raise NotReady(f"{landing_file.name}: grew past the size limit while being read")
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        after = os.fstat(fd)
        if _stamp(after) != _stamp(before) or copied != before.st_size:
            raise NotReady(f"{landing_file.name}: changed while it was being read")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        raise
    finally:
        os.close(fd)
    return target, digest.hexdigest()
