"""`cdw run` gives back what a large finished step freed: the hook is on the warehouse job, only a step after
which the process has grown releases (a full collection costs about 0.4 s), and the release reaches the C
library's allocator on this platform. Before linkage and dbt, the caches nothing later reads are emptied, and
glibc keeps few arenas."""

from __future__ import annotations

import sys

import pytest

from orchestration.lib import memory
from orchestration.lib.memory import StepMemory, _libc_function, make_room, release_unused_memory, resident_bytes


def test_the_warehouse_job_checks_memory_after_every_step() -> None:
    from orchestration.definitions import defs

    hooks = {hook.name for hook in defs.resolve_job_def("warehouse_job").hook_defs}
    assert hooks == {"release_memory_after_step", "release_memory_after_failed_step"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_reaches_glibc() -> None:
    assert _libc_function("malloc_trim") is not None
    release_unused_memory()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_arena_limit_reaches_glibc() -> None:
    assert memory.limit_allocator_arenas()


def test_making_room_empties_every_droppable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    cleared: list[str] = []
    monkeypatch.setattr(memory, "_DROPPABLE_CACHES", [])
    memory.droppable_cache(lambda: cleared.append("first"))
    memory.droppable_cache(lambda: cleared.append("second"))
    make_room()
    assert cleared == ["first", "second"]


def test_the_gates_state_cache_is_dropped_to_make_room() -> None:
    import pyarrow as pa

    from orchestration.lib import rule_state

    rule_state._STATE_CACHE[("feed", "key")] = pa.table({"column": [1, 2, 3]})
    make_room()
    assert not rule_state._STATE_CACHE


def test_linkage_and_dbt_make_room_before_they_start() -> None:
    import inspect

    from orchestration.defs import dbt, ingest

    for step, heavy in ((dbt.warehouse_models.op.compute_fn.decorated_fn, "_build("),
                        (ingest._person_keys_asset, "link_children(paths")):
        source = inspect.getsource(step)
        assert "make_room()" in source and source.index("make_room()") < source.index(heavy)


class _Process:
    """A process whose resident size the test sets, and which counts the releases asked of it."""

    def __init__(self, size: int) -> None:
        self.size, self.releases = size, 0

    def release(self) -> None:
        self.releases += 1
        self.size -= 100


def test_a_small_step_releases_nothing_and_a_large_one_releases_once() -> None:
    process = _Process(1_000)
    memory = StepMemory(growth=500, resident=lambda: process.size, release=process.release)
    process.size += 499  # a small step's growth: no full collection for it
    assert not memory.after_step() and process.releases == 0
    process.size += 1  # the growth since the start reaches the threshold
    assert memory.after_step() and process.releases == 1
    process.size += 450  # measured from what the release left (1,400), not from the start
    assert not memory.after_step() and process.releases == 1
    process.size += 50
    assert memory.after_step() and process.releases == 2


def test_growth_counts_from_the_smallest_size_seen() -> None:
    process = _Process(1_000)
    memory = StepMemory(growth=500, resident=lambda: process.size, release=process.release)
    process.size = 600  # something else gave memory back
    assert not memory.after_step()
    process.size = 1_100
    assert memory.after_step() and process.releases == 1


def test_where_the_size_cannot_be_read_every_step_releases() -> None:
    process = _Process(0)
    memory = StepMemory(growth=500, resident=lambda: None, release=process.release)
    assert memory.after_step() and memory.after_step() and process.releases == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_the_resident_size_is_read_and_grows_with_an_allocation() -> None:
    before = resident_bytes()
    block = bytearray(64 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident
    after = resident_bytes()
    assert before is not None and after is not None and after - before >= 60 * 2**20
