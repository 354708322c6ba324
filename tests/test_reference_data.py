from __future__ import annotations

import csv
import datetime as dt

import pytest

from orchestration.lib.settings import SEEDS_DIR
from sources.reference_builder import easter_sunday, ni_bank_holidays


def _seed(name: str) -> list[dict]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(("year", "easter"), [(2024, dt.date(2024, 3, 31)), (2025, dt.date(2025, 4, 20)),
                                              (2019, dt.date(2019, 4, 21))])
def test_easter(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize("day", [
    dt.date(2024, 3, 18),   # St Patrick's Day on a Sunday: substitute Monday
    dt.date(2025, 7, 14),   # 12 July on a Saturday: substitute Monday
    dt.date(2023, 7, 12),
    dt.date(2023, 5, 8),    # Coronation
    dt.date(2022, 9, 19),   # State funeral
    dt.date(2020, 5, 8),    # VE day, instead of the first Monday
    dt.date(2021, 12, 27), dt.date(2021, 12, 28),
])
def test_ni_bank_holidays_include(day: dt.date) -> None:
    assert day in {d for d, _ in ni_bank_holidays(day.year)}


def test_ni_bank_holidays_exclude_moved_days() -> None:
    assert dt.date(2020, 5, 4) not in {d for d, _ in ni_bank_holidays(2020)}
    assert dt.date(2024, 3, 17) not in {d for d, _ in ni_bank_holidays(2024)}


def test_shipped_bank_holidays_seed_is_current_with_the_rules() -> None:
    shipped = {dt.date.fromisoformat(r["holiday_date"]) for r in _seed("ref_bank_holidays")}
    expected = {d for year in range(2015, 2031) for d, _ in ni_bank_holidays(year)}
    assert shipped == expected


def test_real_lgds_and_trusts() -> None:
    lgds = _seed("ref_lgds")
    assert [r["lgd_code"] for r in lgds] == [f"N0900000{i}" if i < 10 else f"N090000{i}" for i in range(1, 12)]
    assert {r["trust_code"] for r in lgds} == {r["trust_code"] for r in _seed("ref_trusts")}


def test_population_under_18_is_about_440000() -> None:
    total = sum(int(r["population"]) for r in _seed("ref_population") if r["year"] == "2024" and int(r["age"]) < 18)
    assert 400_000 < total < 480_000


def test_38_sure_start_projects_and_29_hubs() -> None:
    assert len(_seed("ref_sure_start_projects")) == 38
    assert len(_seed("ref_family_support_hubs")) == 29
    sectors = {r["postcode_sector"] for r in _seed("ref_postcode_sectors")}
    assert {r["postcode_sector"] for r in _seed("ref_sure_start_catchments")} <= sectors
