"""Give memory a finished step no longer uses back to the machine.

`cdw run` executes every step in one process. Python's allocator and Arrow's pool keep what a large step freed
(ingesting a Trust's referrals, validating a group, linkage), so without this the process would still hold the
largest step's peak while dbt, a child process, builds beside it.

A full collection costs about 0.4 s once Dagster, dbt and Great Expectations are loaded, and a run has about 115
steps, most of them small in a month's run: releasing after every step, a month's run at scale 1 spent 39 s
outside its stages (8 s with the threshold below). So a step's end releases only once the process has grown by
``RELEASE_AFTER_GROWTH`` since it last released.

Two more things kept `cdw run` large beside dbt (1.57 GiB at scale 10 when dbt began): glibc gives each thread
that allocates an arena of its own, up to eight per core, and each kept its fragments (about 0.4 GiB between
them); and the gate's cache of providers' state (up to 256 MiB), which nothing after the gate reads. So the
process limits glibc to ``MALLOC_ARENAS`` arenas, and a step about to need a lot of memory (linkage's DuckDB,
dbt's process) first calls ``make_room``, which empties the caches registered with ``droppable_cache``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyarrow as pa

RELEASE_AFTER_GROWTH = 256 * 2**20  # bytes: far more than a small batch's step leaves, far less than a large one's
MALLOC_ARENAS = 2  # glibc's default is eight per core; the heavy work is in DuckDB and Arrow, which allocate apart
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
_DROPPABLE_CACHES: list[Callable[[], None]] = []


def limit_allocator_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Limit how many arenas glibc's malloc keeps (as ``MALLOC_ARENA_MAX`` would, set before the process began);
    threads started later share them. Whether it could (not on musl or macOS)."""
    mallopt = _libc_function("mallopt")
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, arenas))


def droppable_cache(clear: Callable[[], None]) -> Callable[[], None]:
    """Register a cache's ``clear``: ``make_room`` calls it. A cache that only saves reading files again can go."""
    _DROPPABLE_CACHES.append(clear)
    return clear


def make_room() -> None:
    """Before a step that needs much memory, in this process or a child: empty the droppable caches and give
    back what they and earlier steps freed."""
    for clear in _DROPPABLE_CACHES:
        clear()
    release_unused_memory()


def release_unused_memory() -> None:
    """Collect garbage, then ask Arrow's pool and the C library to return their free pages to the system."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


def resident_bytes() -> int | None:
    """This process's resident memory now (Linux's /proc), or None where it cannot be read cheaply."""
    try:
        resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


class StepMemory:
    """Releases memory at a step's end when the process has grown enough since it last did (or always, where its
    size cannot be read)."""

    def __init__(self, growth: int = RELEASE_AFTER_GROWTH, resident: Callable[[], int | None] = resident_bytes,
                 release: Callable[[], None] = release_unused_memory) -> None:
        self._growth, self._resident, self._release = growth, resident, release
        self._baseline = resident()

    def after_step(self) -> bool:
        """Release if the process has grown by the threshold since the smallest size seen; whether it did."""
        now = self._resident()
        if now is not None and self._baseline is not None:
            self._baseline = min(self._baseline, now)
            if now - self._baseline < self._growth:
                return False
        self._release()
        self._baseline = self._resident()
        return True


@cache
def _libc_function(name: str) -> ctypes._CFuncPtr | None:
    """One of glibc's malloc functions (``malloc_trim``, ``mallopt``), or None where the C library has none (musl,
    macOS)."""
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    return getattr(ctypes.CDLL(library), name, None)
