"""The generator's identifier variation (issue 16): each record naming a child carries the child's identifiers as
its provider typed them, at the documented rates, the same in every month; the truth file says which person each
record is, and stays out of the landing area."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from pathlib import Path

import pytest

from sources.generator import generate
from sources.generator.identities import (
    COMMUNITY_FEEDS,
    DAY_MONTH_TRANSPOSED_RATE,
    FORENAME_TYPO_RATE,
    FORENAME_VARIANT_RATE,
    FORMER_POSTCODE_RATE,
    IDENTITY_FEEDS,
    as_typed,
    transposed,
    typo,
)
from sources.generator.simulate import World, simulate

SEED = 5
DAY = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def world() -> World:
    return simulate(dt.date(2024, 4, 1), DAY, 0.05, SEED)


def _typed(world: World) -> list[tuple]:
    """(record, true row, typed row) for every record naming a child."""
    out = []
    for (_, feed), records in world.records.items():
        if feed in IDENTITY_FEEDS:
            for record in records:
                row = record.state_on(DAY)
                out.append((record, row, as_typed(record, row, SEED, DAY)))
    return out


def test_identifiers_vary_at_the_documented_rates(world: World) -> None:
    typed = _typed(world)
    assert len(typed) > 2_000
    share = Counter()
    for _, row, seen in typed:
        share["forename"] += seen["forename"] != row["forename"]
        share["surname"] += seen["surname"] != row["surname"]
        share["hcn"] += seen.get("hcn") != row.get("hcn")
        share["sex"] += seen["sex"] != row["sex"]
    forenames = share["forename"] / len(typed)
    assert FORENAME_TYPO_RATE < forenames < FORENAME_VARIANT_RATE + FORENAME_TYPO_RATE + 0.01
    assert 0.01 < share["surname"] / len(typed) < 0.05
    assert share["hcn"] == share["sex"] == 0  # what the generator spoils elsewhere, or never, is left alone
    community = [(r, row, seen) for r, row, seen in typed if r.feed in COMMUNITY_FEEDS]
    swapped = [seen["date_of_birth"] for r, row, seen in community if seen["date_of_birth"] != row["date_of_birth"]]
    assert 0 < len(swapped) / len(community) < DAY_MONTH_TRANSPOSED_RATE
    assert all(seen["date_of_birth"] == row["date_of_birth"] for r, row, seen in typed if r.feed == "children")
    moved = [(r, row, seen) for r, row, seen in typed if r.person.moves and r.person.moves[0][0] <= DAY
             and "postcode" in row]
    former = sum(seen["postcode"] != row["postcode"] for _, row, seen in moved) / len(moved)
    assert FORMER_POSTCODE_RATE / 2 < former < FORMER_POSTCODE_RATE * 1.5


def test_a_record_is_typed_the_same_every_month_and_only_its_own_way(world: World) -> None:
    for record, row, seen in _typed(world)[:500]:
        assert as_typed(record, row, SEED, DAY) == seen
        assert {k for k in row if row[k] != seen[k]} <= {"forename", "surname", "date_of_birth", "postcode"}


def test_a_transposed_date_keeps_the_record_valid(world: World) -> None:
    for record, row, seen in _typed(world):
        if seen["date_of_birth"] != row["date_of_birth"]:
            assert seen["date_of_birth"] == transposed(row["date_of_birth"])
            assert seen["date_of_birth"] <= record.created
    assert transposed(dt.date(2020, 3, 5)) == dt.date(2020, 5, 3)
    assert transposed(dt.date(2020, 3, 13)) is None and transposed(dt.date(2020, 4, 4)) is None


def test_a_typo_is_one_letter_away() -> None:
    rng = random.Random(1)
    for name in ["Siobhán", "McLaughlin", "Omar", "Ella"] * 25:
        wrong = typo(rng, name)
        assert wrong[0] == name[0] and abs(len(wrong) - len(name)) <= 1


def test_the_truth_file_names_every_record_and_stays_out_of_the_landing_area(tmp_path: Path) -> None:
    landing, truth = tmp_path / "landing", tmp_path / "restricted" / "linkage_truth.csv"
    generate("2024-10", "2024-12", 0.02, SEED, landing, truth=truth)
    with truth.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert not list(landing.rglob("*truth*"))
    named = {(r["provider_code"], r["feed"], r["record_id"]) for r in rows}
    sent = set()
    for path in landing.rglob("*_family_support_*.csv"):
        with path.open(encoding="utf-8-sig") as handle:
            sent |= {(r["org_code"], "family_support", r["referral_ref"]) for r in csv.DictReader(handle)}
    assert sent and sent <= named
    people = Counter(r["person_id"] for r in rows)
    assert max(people.values()) >= 2  # a child known to several providers, or referred twice
