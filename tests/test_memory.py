"""`cdw run` gives back what a finished step freed: the hook is on the warehouse job, and it reaches the C
library's allocator on this platform."""

from __future__ import annotations

import sys

import pytest

from orchestration.lib.memory import _malloc_trim, release_unused_memory


def test_the_warehouse_job_releases_memory_after_every_step() -> None:
    from orchestration.definitions import defs

    hooks = {hook.name for hook in defs.resolve_job_def("warehouse_job").hook_defs}
    assert hooks == {"release_memory_after_step", "release_memory_after_failed_step"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_reaches_glibc() -> None:
    assert _malloc_trim() is not None
    release_unused_memory()
