"""The dbt spill benchmark's bookkeeping: which spill samples belong to which node, and a folder's size."""

from pathlib import Path

from bench.dbt_spill import SAMPLE_SECONDS, folder_bytes, spill_by_node


def _result(name: str, start: str, end: str, status: str = "success") -> dict:
    return {"unique_id": f"model.children_data_warehouse.{name}", "status": status, "execution_time": 9.0,
            "timing": [{"name": "compile", "started_at": start, "completed_at": start},
                       {"name": "execute", "started_at": start, "completed_at": end}]}


def test_each_node_gets_the_largest_spill_sampled_while_it_ran() -> None:
    first = _result("mart_service_performance", "2026-12-06T05:00:00Z", "2026-12-06T05:00:10Z")
    second = _result("mart_indicators", "2026-12-06T05:00:20Z", "2026-12-06T05:00:30Z", status="error")
    skipped = {"unique_id": "test.children_data_warehouse.not_null_x", "status": "skipped", "execution_time": 0,
               "timing": []}
    base = 1796533200.0  # 2026-12-06T05:00:00Z
    samples = [(base + 5, 3_000), (base + 10 + SAMPLE_SECONDS, 4_000), (base + 15, 9_000),
               (base + 25, 7_000), (base + 40, 8_000)]
    spills = spill_by_node(samples, [first, skipped, second])
    assert [(s.name, s.status, s.peak_bytes) for s in spills] == [
        ("mart_service_performance", "success", 4_000), ("mart_indicators", "error", 7_000)]


def test_a_folder_counts_its_nested_files_and_a_missing_one_nothing(tmp_path: Path) -> None:
    assert folder_bytes(tmp_path / "missing") == 0
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one").write_bytes(b"x" * 100)
    (tmp_path / "a" / "b" / "two").write_bytes(b"y" * 23)
    assert folder_bytes(tmp_path) == 123
