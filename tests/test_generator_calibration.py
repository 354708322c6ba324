"""The generator at scale 1.0 against the magnitudes of spec section 6 (year to 31 March 2024) and the Department of
Health's published tables that issue 15 names, each within 15%; and the Trusts' illustrative differences in waiting
times and workforce."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

import pytest

from sources.generator.simulate import ALLOCATION_WAIT_FACTOR, VACANCY_RATE, World, simulate

YEAR_START, YEAR_END = dt.date(2023, 4, 1), dt.date(2024, 3, 31)
SEPTEMBER_2024 = dt.date(2024, 9, 30)  # the quarterly child protection statistics' date for Belfast's register
TOLERANCE = 0.15


@pytest.fixture(scope="module")
def world() -> World:
    return simulate(dt.date(2023, 4, 1), SEPTEMBER_2024, 1.0, 20240331)


def _open_on(values: dict, start: str, end: str, day: dt.date) -> bool:
    return values[start] <= day and (values[end] is None or values[end] > day)


def test_referrals_in_the_year(world: World) -> None:
    referrals = [r for r in world.feed_records("referrals") if YEAR_START <= r.values["referral_date"] <= YEAR_END]
    assert len(referrals) == pytest.approx(35_500, rel=TOLERANCE)
    police = sum(r.values["referral_source"] == "POLICE" for r in referrals) / len(referrals)
    assert police > 1 / 3


def test_children_on_the_register_at_31_march(world: World) -> None:
    on_register = {(r.provider, r.values["child_id"]) for r in world.feed_records("child_protection")
                   if _open_on(r.values, "registration_date", "deregistration_date", YEAR_END)}
    assert len(on_register) == pytest.approx(2_300, rel=TOLERANCE)


def test_neglect_and_physical_abuse_are_about_four_fifths(world: World) -> None:
    categories = Counter(c for r in world.feed_records("child_protection")
                         if YEAR_START <= r.values["registration_date"] <= YEAR_END
                         for c in r.values["category"].split("|"))
    share = (categories["NEG"] + categories["PHY"]) / sum(categories.values())
    assert share == pytest.approx(0.8, rel=TOLERANCE)


def test_looked_after_at_31_march_and_flows(world: World) -> None:
    episodes = world.feed_records("care_episodes")
    looked_after = {(r.provider, r.values["child_id"]) for r in episodes
                    if _open_on(r.values, "start_date", "end_date", YEAR_END)}
    assert len(looked_after) == pytest.approx(4_000, rel=TOLERANCE)
    admissions = sum(YEAR_START <= r.values["start_date"] <= YEAR_END for r in episodes)
    assert admissions == pytest.approx(1_100, rel=TOLERANCE)


def test_placement_mix_at_31_march(world: World) -> None:
    open_placements = [r.values["placement_type"] for r in world.feed_records("placements")
                       if _open_on(r.values, "start_date", "end_date", YEAR_END)]
    mix = Counter(open_placements)
    total = len(open_placements)
    foster = (mix["FOSTER_KIN"] + mix["FOSTER_NONKIN"]) / total
    assert foster == pytest.approx(0.84, rel=TOLERANCE)
    assert mix["PLACED_WITH_PARENTS"] / total == pytest.approx(0.06, rel=TOLERANCE)
    assert mix["RESIDENTIAL"] / total == pytest.approx(0.06, rel=TOLERANCE)
    other = (mix["SUPPORTED_LIVING"] + mix["SECURE"] + mix["OTHER"]) / total
    assert other == pytest.approx(0.05, rel=TOLERANCE)


def test_children_in_need_at_31_march(world: World) -> None:
    in_need = {(r.provider, r.values["child_id"]) for r in world.feed_records("referrals")
               if _open_on(r.values, "referral_date", "closed_date", YEAR_END)
               and r.values["decision"] not in ("NFA", "SIGNPOST")}
    assert len(in_need) == pytest.approx(22_500, rel=TOLERANCE)


def test_care_leavers_and_family_support(world: World) -> None:
    leavers = sum(YEAR_START <= r.values["contact_date"] <= YEAR_END for r in world.feed_records("care_leavers"))
    assert leavers == pytest.approx(300, rel=TOLERANCE)
    family = sum(YEAR_START <= r.values["referral_date"] <= YEAR_END for r in world.feed_records("family_support"))
    assert family == pytest.approx(9_000, rel=TOLERANCE)


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _births(world: World) -> dict[tuple[str, str], dt.date]:
    return {(r.provider, r.values["child_id"]): r.values["date_of_birth"] for r in world.feed_records("children")}


def test_the_register_by_trust_and_age_at_30_september_2024(world: World) -> None:
    """Belfast had 369 children on the register (quarterly child protection statistics); about 9% of the register
    are under 1 and 6% aged 16 to 17."""
    on_register = {(r.provider, r.values["child_id"]) for r in world.feed_records("child_protection")
                   if _open_on(r.values, "registration_date", "deregistration_date", SEPTEMBER_2024)}
    assert sum(provider == "BHSCT" for provider, _ in on_register) == pytest.approx(369, rel=TOLERANCE)
    births = _births(world)
    ages = Counter(_age_on(births[child], SEPTEMBER_2024) for child in on_register)
    assert ages[0] / len(on_register) == pytest.approx(0.09, rel=TOLERANCE)
    assert (ages[16] + ages[17]) / len(on_register) == pytest.approx(0.06, rel=TOLERANCE)


def test_time_in_care_and_discharges(world: World) -> None:
    """Of the children looked after at 31 March, 28% had been in care under a year and 29% five years or more
    (Children's Social Care Statistics 2023/24); about 870 left care in the year (spec section 6)."""
    episodes = world.feed_records("care_episodes")
    started = {(r.provider, r.values["child_id"]): r.values["start_date"] for r in episodes
               if _open_on(r.values, "start_date", "end_date", YEAR_END)}
    years = Counter(min(_age_on(start, YEAR_END), 5) for start in started.values())
    assert years[0] / len(started) == pytest.approx(0.28, rel=TOLERANCE)
    assert years[5] / len(started) == pytest.approx(0.29, rel=TOLERANCE)
    discharges = sum(r.values["end_date"] is not None and YEAR_START <= r.values["end_date"] <= YEAR_END
                     for r in episodes)
    assert discharges == pytest.approx(870, rel=TOLERANCE)


def test_trusts_differ_in_waiting_times_and_workforce(world: World) -> None:
    """The Trusts' illustrative differences (not official figures): each Trust's median wait for allocation in
    the order of its factor, the slowest at least half as long again as the fastest; each Trust's vacancy rate
    over the year's month ends within 15% of its own figure."""
    waits: dict[str, list[int]] = {}
    for r in world.feed_records("referrals"):
        allocated = r.values["allocated_date"]
        if allocated and YEAR_START <= allocated <= YEAR_END:
            waits.setdefault(r.provider, []).append((allocated - r.values["referral_date"]).days)
    medians = {trust: statistics.median(days) for trust, days in waits.items()}
    by_factor = sorted(medians, key=ALLOCATION_WAIT_FACTOR.__getitem__)
    assert [medians[t] for t in by_factor] == sorted(medians.values())
    assert medians[by_factor[-1]] >= 1.5 * medians[by_factor[0]]
    vacant: Counter = Counter()
    funded: Counter = Counter()
    for snapshot in world.workforce:
        if YEAR_START <= snapshot["snapshot_date"] <= YEAR_END:
            vacant[snapshot["trust"]] += snapshot["vacant_fte"]
            funded[snapshot["trust"]] += snapshot["funded_fte"]
    for trust, rate in VACANCY_RATE.items():
        assert vacant[trust] / funded[trust] == pytest.approx(rate, rel=TOLERANCE), trust
