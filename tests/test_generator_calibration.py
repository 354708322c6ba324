"""The generator at scale 1.0 against the magnitudes of spec section 6 (year to 31 March 2024), within 15%."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from sources.generator.simulate import World, simulate

YEAR_START, YEAR_END = dt.date(2023, 4, 1), dt.date(2024, 3, 31)
TOLERANCE = 0.15


@pytest.fixture(scope="module")
def world() -> World:
    return simulate(dt.date(2023, 4, 1), dt.date(2024, 3, 31), 1.0, 20240331)


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
