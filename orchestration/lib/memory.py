"""Give memory a finished step no longer uses back to the machine.

`cdw run` executes every step in one process. Python's allocator and Arrow's pool keep what a large step freed
(ingesting a Trust's referrals, validating a group, linkage), so without this the process would still hold the
largest step's peak while dbt, a child process, builds beside it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache

import pyarrow as pa


def release_unused_memory() -> None:
    """Collect garbage, then ask Arrow's pool and the C library to return their free pages to the system."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> ctypes._CFuncPtr | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    return getattr(ctypes.CDLL(name), "malloc_trim", None)
