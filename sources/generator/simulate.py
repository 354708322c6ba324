"""Simulate children's life courses through Northern Ireland's services.

A referral starts a pathway (no further action, signposting, family support,
a UNOCINI assessment leading to child-in-need support, child protection
registration or care). The pathway's events become records of every Trust
feed, so feeds agree with each other. Sure Start registrations and family
support referrals come from the same population, and some children are known
to more than one provider, sometimes without an HCN.

Rates are per year at scale 1.0 and are calibrated to the magnitudes of spec
section 6; ``tests/test_generator_calibration.py`` holds them to it.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sources.generator.people import (
    HCN_INVALID_RATE,
    HCN_MISSING_RATE,
    Person,
    PersonFactory,
    postcode_in,
    spoil_hcn,
)
from sources.generator.records import Record

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
DAY = dt.timedelta(days=1)

REFERRALS_PER_YEAR = 35_500
RE_REFERRAL_SHARE = 0.22
# Referrals later withdrawn as entered in error (of those closed with NFA or signposting).
DELETED_SHARE = 0.03
# Pathway of a referral: its decision, and for assessments their outcome (shares of referrals).
PATHWAYS = {
    "NFA": 0.24, "SIGNPOST": 0.14, "FAMILY_SUPPORT": 0.19,
    "ASSESS_NFA": 0.10, "ASSESS_FAMILY_SUPPORT": 0.09, "CHILD_IN_NEED": 0.13,
    "CHILD_PROTECTION": 0.066, "LOOKED_AFTER": 0.029,
}
REFERRAL_SOURCES = {
    "POLICE": 0.36, "SCHOOL": 0.11, "GP": 0.04, "HEALTH_VISITOR": 0.06, "HOSPITAL": 0.05, "OTHER_HEALTH": 0.05,
    "SELF_FAMILY": 0.08, "COMMUNITY": 0.03, "VCS": 0.04, "OTHER_TRUST": 0.03, "ANONYMOUS": 0.05, "OTHER": 0.10,
}
NEEDS = {
    "ABUSE_NEGLECT": 0.30, "CHILD_DISABILITY": 0.07, "PARENT_ILLNESS": 0.08, "FAMILY_STRESS": 0.15,
    "FAMILY_DYSFUNCTION": 0.17, "BEHAVIOUR": 0.10, "LOW_INCOME": 0.03, "ABSENT_PARENTING": 0.03, "OTHER": 0.07,
}
AGE_AT_REFERRAL = {0: 0.10, 1: 0.055, 2: 0.055, 3: 0.055, 4: 0.055, **{a: 0.047 for a in range(5, 12)},
                   **{a: 0.0625 for a in range(12, 16)}, 16: 0.05, 17: 0.05}
# Children referred into child protection and care are younger than referrals as a whole: the Department of
# Health's register is about 9% under-1s and 6% aged 16 to 17 (quarterly child protection statistics).
AGE_AT_CHILD_PROTECTION_REFERRAL = {0: 0.32, 1: 0.07, 2: 0.065, 3: 0.06, 4: 0.06, **{a: 0.045 for a in range(5, 12)},
                                    **{a: 0.03 for a in range(12, 16)}, 16: 0.02, 17: 0.006}
# Of the child protection pathway's referrals, the share each Trust registers (the rest stay children in need):
# Belfast had 369 children on the register at 30 September 2024, fewer than its share of NI's children would give.
CHILD_PROTECTION_KEPT = {"BHSCT": 0.55}
ABUSE = {"NEG": 0.46, "PHY": 0.34, "EMO": 0.15, "SEX": 0.05}
# Placed with parents is drawn a little more often than its 6% because it cannot follow an Article 21 agreement.
PLACEMENT_TYPES = {"FOSTER_KIN": 0.33, "FOSTER_NONKIN": 0.49, "PLACED_WITH_PARENTS": 0.08, "RESIDENTIAL": 0.06,
                   "SUPPORTED_LIVING": 0.02, "SECURE": 0.005, "OTHER": 0.025}
PLACEMENT_SECTORS = {
    "RESIDENTIAL": {"STATUTORY": 0.55, "VOLUNTARY": 0.10, "PRIVATE": 0.35},
    "SUPPORTED_LIVING": {"STATUTORY": 0.3, "VOLUNTARY": 0.5, "PRIVATE": 0.2},
    "default": {"STATUTORY": 0.85, "VOLUNTARY": 0.09, "PRIVATE": 0.06},
}
WEEKLY_COST = {"RESIDENTIAL": 4200, "SECURE": 7500, "SUPPORTED_LIVING": 1500, "FOSTER_KIN": 260,
               "FOSTER_NONKIN": 480, "PLACED_WITH_PARENTS": 90, "OTHER": 900}
# How long records stay open, in days (means of exponential distributions).
FAMILY_SUPPORT_OPEN_DAYS = 220
CHILD_IN_NEED_OPEN_DAYS = 820
CP_REGISTERED_DAYS = 365
# How long an episode of care lasts: the share of episodes of each kind and their mean length in days
# (exponential). Most children go home within months or a year or two; the rest stay until they leave care at 16
# to 18. Tuned so that 2023/24 has the official time in care (28% under a year, 29% five years or more) beside
# spec section 6's admissions (1,100), discharges (870) and care leavers (300): with about 4,000 looked after, 28%
# under a year needs nearly every child admitted in the year to be still there, so it comes out near 24 to 25%.
CARE_STAYS = {"short": (0.08, 120), "medium": (0.50, 450), "long": (0.42, 20000)}
CARE_ADMISSIONS_GROWTH = 0.07  # a year, up to the day the pathway shares describe
TEENAGER_STAYS_FROM = 12  # the age from which a child taken into care stays long
CARE_GROWTH_UNTIL = dt.date(2025, 3, 31)
# How the Trusts differ (illustrative, not official figures: the Department publishes no Trust medians or vacancy
# rates the warehouse holds): waits for allocation, as multiples of the regional wait, and the mean vacancy rate
# and agency share of their teams.
ALLOCATION_WAIT_FACTOR = {"BHSCT": 1.6, "NHSCT": 1.0, "SEHSCT": 0.7, "SHSCT": 1.25, "WHSCT": 0.9}
VACANCY_RATE = {"BHSCT": 0.22, "NHSCT": 0.16, "SEHSCT": 0.12, "SHSCT": 0.19, "WHSCT": 0.14}
AGENCY_SHARE = {"BHSCT": 0.16, "NHSCT": 0.11, "SEHSCT": 0.08, "SHSCT": 0.13, "WHSCT": 0.10}
EMERGENCY_DAYS = {"PP": (1, 3), "EPO": (2, 15)}  # shortest and longest stay under an emergency legal status
PLACEMENT_MOVES_PER_YEAR = 0.35
# Sure Start and family support (spec section 6).
SURE_START_REGISTRATION_RATE = 0.75
FAMILY_SUPPORT_CHILDREN_PER_YEAR = 9_000
CHILDREN_PER_FAMILY = 9_000 / 7_000


def read_seed(name: str) -> list[dict]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - DAY


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def working_days_after(start: dt.date, count: int, holidays: set[dt.date]) -> dt.date:
    day = start
    while count > 0:
        day += DAY
        if day.weekday() < 5 and day not in holidays:
            count -= 1
    return day


@dataclass
class World:
    """Everything that happened, as records by provider and feed, with the window it was simulated for."""

    start: dt.date  # first day of the first period providers submit
    end: dt.date  # last day of the last period
    history_start: dt.date
    records: dict[tuple[str, str], list[Record]] = field(default_factory=lambda: defaultdict(list))
    workforce: list[dict] = field(default_factory=list)
    sure_start_contacts: list[Record] = field(default_factory=list)

    def add(self, record: Record) -> Record:
        self.records[(record.provider, record.feed)].append(record)
        return record

    def feed_records(self, feed: str) -> list[Record]:
        return [r for (_, f), recs in self.records.items() if f == feed for r in recs]


class TrustSimulation:
    """Referral pathways for the five Trusts, from a burn-in before the history window to the end."""

    def __init__(self, world: World, rng: random.Random, scale: float):
        self.world, self.rng, self.scale = world, rng, scale
        sectors = read_seed("ref_postcode_sectors")
        lgd_children = defaultdict(float)
        for row in read_seed("ref_population"):
            if row["year"] == "2023" and int(row["age"]) < 18:
                lgd_children[row["lgd_code"]] += int(row["population"])
        for s in sectors:
            s["weight"] = float(s["population_share"]) * lgd_children[s["lgd_code"]]
        self.sectors = sectors
        self.people = PersonFactory(rng, sectors)
        self.holidays = {dt.date.fromisoformat(r["holiday_date"]) for r in read_seed("ref_bank_holidays")}
        self.care_leavers: set[tuple[str, str]] = set()
        self.teams = defaultdict(list)
        for team in read_seed("ref_teams"):
            self.teams[(team["trust_code"], team["service_area"])].append(team)
        self.counters: dict[str, int] = defaultdict(int)
        self.child_ids: dict[tuple[str, int], Record] = {}
        self.known_children: dict[str, list[Person]] = defaultdict(list)
        self.trust_persons: list[Person] = []
        self.pending: list[tuple[dt.date, Person, str]] = []  # scheduled re-referrals (CP re-registration)
        # When each child's current episode of care and registration end: a child has one of each at a time
        # (the quality gate refuses overlapping episodes and registrations).
        self.in_care_until: dict[tuple[str, str], dt.date] = {}
        self.registered_until: dict[tuple[str, str], dt.date] = {}

    # -- identifiers ---------------------------------------------------------------
    def new_id(self, trust: str, kind: str) -> str:
        self.counters[trust + kind] += 1
        return f"{trust[:2]}{kind}{self.counters[trust + kind]:07d}"

    def child_record(self, trust: str, person: Person, day: dt.date) -> str:
        key = (trust, person.pid)
        if key in self.child_ids:
            record = self.child_ids[key]
            record.created = min(record.created, day)
            return record.value("child_id")
        child_id = self.new_id(trust, "C")
        roll = self.rng.random()
        hcn = "" if roll < HCN_MISSING_RATE else (
            spoil_hcn(self.rng, person.hcn) if roll < HCN_MISSING_RATE + HCN_INVALID_RATE else person.hcn)
        values = {
            "child_id": child_id, "hcn": hcn, "forename": person.forename, "surname": person.surname,
            "date_of_birth": person.date_of_birth, "sex": person.sex, "religion": person.religion,
            "ethnicity": person.ethnicity, "disability": person.disability,
            "first_language": person.first_language, "interpreter_required": person.interpreter_required,
            "postcode": person.postcode, "record_status": "active",
        }
        # Characteristics recorded later: the record changes in a later month.
        recorded_later = None
        if person.religion == "NREC" and self.rng.random() < 0.3:
            values["religion"] = "CATH" if self.rng.random() < 0.5 else "PROT"
            recorded_later = day + dt.timedelta(days=self.rng.randint(20, 200))
        record = self.world.add(Record("children", trust, values, day, person=person))
        if recorded_later is not None:
            record.revise(recorded_later, {"religion": "NREC"})
        self.child_ids[key] = record
        return child_id

    # -- the simulation ---------------------------------------------------------------
    def run(self) -> None:
        world, rng = self.world, self.rng
        burn_in_start = dt.date(world.history_start.year - 8, world.history_start.month, 1)
        recent_burn_in = dt.date(world.history_start.year - 3, world.history_start.month, 1)
        daily = REFERRALS_PER_YEAR * self.scale / 365.25
        day = burn_in_start
        self.pending.sort(key=lambda p: p[0])
        while day <= world.end:
            weekday_factor = 1.2 if day.weekday() < 5 else 0.5
            for _ in range(_poisson(rng, daily * weekday_factor)):
                pathway = _pick(rng, PATHWAYS)
                if day < recent_burn_in and pathway not in ("CHILD_PROTECTION", "LOOKED_AFTER"):
                    continue  # long ago and long closed: never sent, so never simulated
                if day < world.history_start and pathway in ("NFA", "SIGNPOST"):
                    continue
                person = self.referred_child(day, pathway)
                kept = CHILD_PROTECTION_KEPT.get(person.trust, 1.0) if pathway == "CHILD_PROTECTION" \
                    else self.care_trend(day) if pathway == "LOOKED_AFTER" else None
                if kept is not None and rng.random() >= kept:
                    pathway = "CHILD_IN_NEED"  # registered less often in Belfast; fewer admissions in earlier years
                self.referral(day, person, pathway)
            while self.pending and self.pending[0][0] <= day:
                _, person, pathway = self.pending.pop(0)
                if person.age_on(day) < 18:
                    self.referral(day, person, pathway)
            day += DAY
        self.workforce_snapshots()

    @staticmethod
    def care_trend(day: dt.date) -> float:
        """Admissions to care grow year on year (NI's looked-after population has risen for a decade, so fewer
        children leave care in a year than come in): the share of the looked-after pathway a day keeps, 1 from
        ``CARE_GROWTH_UNTIL`` on (a fixed day, so that a period's figures do not depend on the window simulated)."""
        return min(1.0, (1 + CARE_ADMISSIONS_GROWTH) ** ((day - CARE_GROWTH_UNTIL).days / 365.25))

    def referred_child(self, day: dt.date, pathway: str) -> Person:
        rng = self.rng
        if rng.random() < RE_REFERRAL_SHARE and self.trust_persons:
            person = self.trust_persons[rng.randrange(len(self.trust_persons))]
            if person.age_on(day) < 18:
                return person
        ages = AGE_AT_CHILD_PROTECTION_REFERRAL if pathway == "CHILD_PROTECTION" else AGE_AT_REFERRAL
        age = int(_pick(rng, ages))
        dob = day - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        person = self.people.make(dob)
        if rng.random() < 0.04:
            new_sector = self.people.sector()
            if new_sector["trust_code"] == person.trust:
                person.moves.append((day + dt.timedelta(days=rng.randint(30, 700)),
                                     postcode_in(rng, new_sector["postcode_sector"])))
        self.trust_persons.append(person)
        return person

    def referral(self, day: dt.date, person: Person, pathway: str) -> None:
        rng, trust = self.rng, person.trust
        child_id = self.child_record(trust, person, day)
        referral_id = self.new_id(trust, "R")
        decision_date = day + dt.timedelta(days=min(60, int(rng.lognormvariate(1.3, 0.9))))
        assessed = pathway.startswith("ASSESS") or pathway in ("CHILD_IN_NEED", "CHILD_PROTECTION", "LOOKED_AFTER")
        if assessed:
            decision = "CHILD_PROTECTION" if pathway in ("CHILD_PROTECTION", "LOOKED_AFTER") and rng.random() < 0.4 \
                else "UNOCINI_ASSESSMENT"
        else:
            decision = pathway
        allocated = None
        if decision not in ("NFA", "SIGNPOST"):
            wait = rng.randint(0, 10) if rng.random() < 0.7 else int(rng.expovariate(1 / 45))
            wait = int(wait * ALLOCATION_WAIT_FACTOR[trust])
            allocated = decision_date + dt.timedelta(days=wait)
        closed = self.referral_closure(referral_id, decision_date, person, pathway, child_id, trust)
        if allocated and closed and allocated >= closed:
            allocated = None
        team = rng.choice(self.teams[(trust, "GATEWAY" if not assessed else "FAMILY_INTERVENTION")])
        values = {
            "referral_id": referral_id, "child_id": child_id, "referral_date": day,
            "referral_source": _pick(rng, REFERRAL_SOURCES), "primary_need": _pick(rng, NEEDS),
            "decision_date": decision_date, "decision": decision, "allocated_date": allocated,
            "team_code": team["team_code"], "closed_date": closed, "record_status": "active",
        }
        record = self.world.add(Record("referrals", trust, values, day))
        if rng.random() < 0.02:  # corrected in a later month
            record.revise(decision_date + dt.timedelta(days=rng.randint(15, 90)), {"primary_need": _pick(rng, NEEDS)})
        if decision in ("NFA", "SIGNPOST") and rng.random() < DELETED_SHARE:
            record.deleted_on = day + dt.timedelta(days=rng.randint(20, 120))
        self.known_children[trust].append(person)

    def referral_closure(self, referral_id: str, decided: dt.date, person: Person, pathway: str, child_id: str,
                         trust: str) -> dt.date | None:
        """Follow the pathway after the decision; return when the referral closes."""
        rng = self.rng
        if pathway in ("NFA", "SIGNPOST"):
            return decided + dt.timedelta(days=rng.randint(0, 14))
        if pathway == "FAMILY_SUPPORT":
            return decided + dt.timedelta(days=int(rng.expovariate(1 / FAMILY_SUPPORT_OPEN_DAYS)) + 14)
        started = decided + dt.timedelta(days=rng.randint(0, 5))
        within = rng.random() < 0.72
        completed = working_days_after(started, rng.randint(2, 10) if within else rng.randint(11, 30), self.holidays)
        outcome = {"ASSESS_NFA": "NFA", "ASSESS_FAMILY_SUPPORT": "FAMILY_SUPPORT", "CHILD_IN_NEED": "CHILD_IN_NEED",
                   "CHILD_PROTECTION": "CHILD_PROTECTION", "LOOKED_AFTER": "LOOKED_AFTER"}[pathway]
        self.world.add(Record("assessments", trust, {
            "assessment_id": self.new_id(trust, "A"), "referral_id": referral_id, "child_id": child_id,
            "start_date": started, "completed_date": completed, "outcome": outcome,
            "child_seen": "Y" if rng.random() < 0.92 else "N",
            "child_views_recorded": "Y" if rng.random() < 0.7 else "N", "record_status": "active",
        }, started))
        eighteenth = person.birthday(18)
        if pathway == "ASSESS_NFA":
            return completed + dt.timedelta(days=rng.randint(0, 30))
        if pathway == "ASSESS_FAMILY_SUPPORT":
            return completed + dt.timedelta(days=int(rng.expovariate(1 / 120)) + 7)
        if pathway == "CHILD_IN_NEED":
            return min(eighteenth, completed + dt.timedelta(days=int(rng.expovariate(1 / CHILD_IN_NEED_OPEN_DAYS))))
        if pathway == "CHILD_PROTECTION":
            ended = self.registration(person, trust, child_id, completed)
            if rng.random() < 0.10 and ended > completed + dt.timedelta(days=30):
                ended = max(ended, self.care_episode(person, trust, child_id, completed + dt.timedelta(days=30)))
            return ended + dt.timedelta(days=rng.randint(30, 200))
        return self.care_episode(person, trust, child_id, completed + dt.timedelta(days=rng.randint(0, 10)))

    def registration(self, person: Person, trust: str, child_id: str, assessed: dt.date) -> dt.date:
        rng = self.rng
        registered = assessed + dt.timedelta(days=rng.randint(3, 15))
        if registered >= person.birthday(18):
            return assessed  # turns 18 first: no registration
        categories = [_pick(rng, ABUSE)]
        if rng.random() < 0.2:
            categories.append(_pick(rng, ABUSE))
        eighteenth = person.birthday(18)
        if registered < self.registered_until.get((trust, child_id), dt.date.min):
            return self.registered_until[(trust, child_id)]  # already on the register
        ended = registered + dt.timedelta(days=90 + int(rng.expovariate(1 / (CP_REGISTERED_DAYS - 90))))
        reason = _pick(rng, {"NO_LONGER_AT_RISK": 0.8, "MOVED_AWAY": 0.07, "TRANSFERRED": 0.05, "OTHER": 0.08})
        if ended >= eighteenth:
            ended, reason = eighteenth, "REACHED_18"
        self.registered_until[(trust, child_id)] = ended
        self.world.add(Record("child_protection", trust, {
            "registration_id": self.new_id(trust, "P"), "child_id": child_id, "registration_date": registered,
            "category": "|".join(sorted(set(categories))), "deregistration_date": ended,
            "deregistration_reason": reason, "record_status": "active",
        }, registered))
        if reason == "NO_LONGER_AT_RISK" and rng.random() < 0.10:
            self.pending.append((ended + dt.timedelta(days=rng.randint(60, 700)), person, "CHILD_PROTECTION"))
            self.pending.sort(key=lambda p: p[0])
        return ended

    def care_episode(self, person: Person, trust: str, child_id: str, started: dt.date) -> dt.date:
        rng = self.rng
        eighteenth = person.birthday(18)
        if started >= eighteenth:
            return started  # turns 18 first: never looked after
        if started < self.in_care_until.get((trust, child_id), dt.date.min):
            return self.in_care_until[(trust, child_id)]  # already looked after
        roll, kind = rng.random(), "long"
        for kind, (share, _) in CARE_STAYS.items():  # noqa: B007 (the kind the roll falls in)
            if roll < share:
                break
            roll -= share
        if kind == "medium" and person.age_on(started) >= TEENAGER_STAYS_FROM:
            kind = "long"  # a teenager taken into care seldom goes home within a year or two: most leave care
        short = kind != "long"
        stay = rng.expovariate(1 / CARE_STAYS[kind][1])
        ended = started + dt.timedelta(days=int(stay) + 7)
        if ended >= eighteenth:
            ended = eighteenth
            end_reason = "AGE_18"
        elif person.age_on(ended) >= 16 and rng.random() < 0.7:
            end_reason = "LEFT_16_17"
        elif short:
            end_reason = "RETURN_HOME" if rng.random() < 0.85 else "OTHER"
        else:
            end_reason = _pick(rng, {"RETURN_HOME": 0.4, "ADOPTED": 0.3, "RESIDENCE_ORDER": 0.2,
                                     "TRANSFERRED": 0.05, "OTHER": 0.05})
        episode_id = self.new_id(trust, "E")
        legal = _pick(rng, {"CO": 0.45, "ICO": 0.2, "VA": 0.25, "EPO": 0.04, "PP": 0.04, "OTHER": 0.02})
        if legal in EMERGENCY_DAYS:  # police protection (72 hours) and an EPO (8 days, extended once by 7)
            low, high = EMERGENCY_DAYS[legal]
            ended = min(started + dt.timedelta(days=low + int(stay) % (high - low + 1)), eighteenth)
            end_reason = "AGE_18" if ended == eighteenth else "RETURN_HOME"
        self.in_care_until[(trust, child_id)] = ended
        self.world.add(Record("care_episodes", trust, {
            "episode_id": episode_id, "child_id": child_id, "start_date": started, "legal_status": legal,
            "end_date": ended, "end_reason": end_reason, "record_status": "active",
        }, started))
        self.placements(trust, child_id, episode_id, started, ended, person, legal)
        self.reviews(trust, child_id, episode_id, person, started, ended)
        if end_reason in ("AGE_18", "LEFT_16_17"):
            self.care_leaver(trust, child_id, person)
        return ended

    def placements(self, trust: str, child_id: str, episode_id: str, started: dt.date, ended: dt.date,
                   person: Person, legal: str) -> None:
        rng = self.rng
        day = started
        while day < ended:
            move = day + dt.timedelta(days=int(rng.expovariate(PLACEMENT_MOVES_PER_YEAR / 365.25)) + 1)
            placement_type = _eligible(_pick(rng, PLACEMENT_TYPES), person.age_on(day), legal)
            sector = _pick(rng, PLACEMENT_SECTORS.get(placement_type, PLACEMENT_SECTORS["default"]))
            cost = WEEKLY_COST[placement_type] * (1.6 if sector == "PRIVATE" else 1.0) * rng.uniform(0.8, 1.25)
            last = move >= ended
            self.world.add(Record("placements", trust, {
                "placement_id": self.new_id(trust, "L"), "episode_id": episode_id, "child_id": child_id,
                "start_date": day, "end_date": ended if last else move, "placement_type": placement_type,
                "provider_sector": sector, "weekly_cost_gbp": round(cost, 2),
                "end_reason": "EPISODE_ENDED" if last else _pick(rng, {
                    "PLANNED": 0.45, "CARER_REQUEST": 0.15, "BREAKDOWN": 0.2, "CHILD_REQUEST": 0.08,
                    "ALLEGATION": 0.04, "OTHER": 0.08}),
                "record_status": "active",
            }, day))
            day = move

    def reviews(self, trust: str, child_id: str, episode_id: str, person: Person, started: dt.date,
                ended: dt.date) -> None:
        rng = self.rng
        due = [started + dt.timedelta(days=14), started + dt.timedelta(days=91)]
        while due[-1] + dt.timedelta(days=182) < ended:
            due.append(due[-1] + dt.timedelta(days=182))
        for review_day in due:
            review_day += dt.timedelta(days=rng.randint(-3, 10))
            if review_day >= ended or review_day < self.world.history_start - dt.timedelta(days=400):
                continue
            if person.age_on(review_day) < 4:
                participation = "TOO_YOUNG"
            else:
                participation = _pick(rng, {"ATTENDED_SPOKE": 0.45, "ATTENDED_ADVOCATE": 0.12,
                                            "VIEWS_CONVEYED": 0.25, "DID_NOT_PARTICIPATE": 0.18})
            self.world.add(Record("lac_reviews", trust, {
                "review_id": self.new_id(trust, "V"), "episode_id": episode_id, "child_id": child_id,
                "review_date": review_day, "child_participation": participation,
                "advocate_offered": "Y" if rng.random() < 0.6 else "N", "record_status": "active",
            }, review_day))

    def care_leaver(self, trust: str, child_id: str, person: Person) -> None:
        rng = self.rng
        contact = person.birthday(19) + dt.timedelta(days=rng.randint(-28, 56))
        in_touch = _pick(rng, {"YES": 0.88, "NO": 0.06, "DECLINED": 0.05, "DIED": 0.01})
        activity = _pick(rng, {"EDUCATION": 0.25, "TRAINING": 0.12, "EMPLOYMENT": 0.30, "NEET_ILLNESS": 0.08,
                               "NEET_OTHER": 0.22, "UNKNOWN": 0.03}) if in_touch == "YES" else None
        values = {
            "child_id": child_id, "contact_date": contact, "in_touch": in_touch,
            "accommodation_suitable": ("Y" if rng.random() < 0.9 else "N") if in_touch == "YES" else "U",
            "activity": activity, "pathway_plan": "Y" if rng.random() < 0.93 else "N",
            "personal_adviser": "Y" if rng.random() < 0.95 else "N", "record_status": "active",
        }
        # A child who leaves care twice (at 16 or 17, then again at 18) has one contact around the 19th
        # birthday, not two. The draws above still happen, so the rest of the simulation is unchanged.
        if (trust, child_id) in self.care_leavers:
            return
        self.care_leavers.add((trust, child_id))
        self.world.add(Record("care_leavers", trust, values, contact))

    def workforce_snapshots(self) -> None:
        rng, world = self.rng, self.world
        month = world.history_start
        baseline = {}
        for (trust, area), teams in sorted(self.teams.items()):
            for team in teams:
                baseline[team["team_code"]] = (trust, area, round(rng.uniform(7, 16), 1))
        while month <= world.end:
            snapshot = month_end(month)
            for team_code, (trust, area, funded) in baseline.items():
                vacant = round(funded * min(0.45, max(0.0, rng.gauss(VACANCY_RATE[trust], 0.05))), 1)
                in_post = round(funded - vacant + rng.uniform(-0.3, 0.3), 1)
                agency = round(in_post * min(0.4, max(0.0, rng.gauss(AGENCY_SHARE[trust], 0.04))), 1)
                open_cases = int(max(in_post, 1) * rng.uniform(12, 20))
                world.workforce.append({
                    "trust": trust, "snapshot_date": snapshot, "team_code": team_code, "service_area": area,
                    "funded_fte": funded, "staff_in_post_fte": in_post, "agency_fte": agency, "vacant_fte": vacant,
                    "long_term_absence_fte": round(in_post * rng.uniform(0, 0.08), 1), "open_cases": open_cases,
                    "unallocated_cases": int(open_cases * rng.uniform(0, 0.15)),
                })
            month = add_months(month, 1)


class CommunitySimulation:
    """Sure Start registrations and contacts, and family support referrals through the hubs."""

    def __init__(self, world: World, rng: random.Random, scale: float, trusts: TrustSimulation):
        self.world, self.rng, self.scale, self.trusts = world, rng, scale, trusts
        self.counters: dict[str, int] = defaultdict(int)
        sectors = {s["postcode_sector"]: s for s in trusts.sectors}
        self.catchments = defaultdict(list)
        for row in read_seed("ref_sure_start_catchments"):
            self.catchments[row["project_code"]].append(sectors[row["postcode_sector"]])
        self.hubs_by_lgd = defaultdict(list)
        for hub in read_seed("ref_family_support_hubs"):
            self.hubs_by_lgd[hub["lgd_code"]].append(hub["hub_code"])
        self.orgs_by_hub = defaultdict(list)
        for row in read_seed("ref_organisation_hubs"):
            self.orgs_by_hub[row["hub_code"]].append(row["org_code"])
        self.births_per_year = {}
        for row in read_seed("ref_population"):
            if row["year"] == "2023" and row["age"] == "0":
                self.births_per_year[row["lgd_code"]] = self.births_per_year.get(row["lgd_code"], 0) + int(
                    row["population"])

    def new_id(self, provider: str, kind: str = "") -> str:
        self.counters[provider + kind] += 1
        return f"{provider}-{kind}{self.counters[provider + kind]:06d}"

    def run(self) -> None:
        self.sure_start()
        self.family_support()

    def sure_start(self) -> None:
        rng, world = self.rng, self.world
        first = dt.date(world.start.year - 4, 1, 1)
        trust_infants = defaultdict(list)
        for person in self.trusts.trust_persons:
            trust_infants[person.sector].append(person)
        for project, sectors in sorted(self.catchments.items()):
            for sector in sectors:
                births = self.births_per_year[sector["lgd_code"]] * float(sector["population_share"]) * self.scale
                years = (world.end - first).days / 365.25
                for _ in range(_poisson(rng, births * years * SURE_START_REGISTRATION_RATE)):
                    dob = first + dt.timedelta(days=rng.randint(0, (world.end - first).days))
                    self.sure_start_child(project, self.trusts.people.make(dob, sector))
                for person in trust_infants[sector["postcode_sector"]]:
                    if person.date_of_birth >= first and rng.random() < 0.5:
                        self.sure_start_child(project, person)

    def sure_start_child(self, project: str, person: Person) -> None:
        rng, world = self.rng, self.world
        registered = person.date_of_birth + dt.timedelta(days=rng.randint(0, 400))
        if registered > world.end:
            return
        fourth = person.birthday(4)
        roll = rng.random()
        if roll < 0.08:
            exit_date, reason = registered + dt.timedelta(days=rng.randint(60, 900)), "MOVED"
        elif roll < 0.15:
            exit_date, reason = registered + dt.timedelta(days=rng.randint(60, 900)), "DISENGAGED"
        else:
            exit_date, reason = fourth, "AGED_OUT"
        if exit_date > fourth:
            exit_date, reason = fourth, "AGED_OUT"
        registration_id = self.new_id(project, "R")
        hcn = "" if rng.random() < 0.10 else person.hcn
        world.add(Record("sure_start_registrations", project, {
            "registration_id": registration_id, "project_code": project, "hcn": hcn,
            "forename": person.forename, "surname": person.surname, "date_of_birth": person.date_of_birth,
            "sex": person.sex, "postcode": person.postcode, "registration_date": registered,
            "exit_date": exit_date, "exit_reason": reason,
        }, registered, person=person))
        day = max(registered, world.start - dt.timedelta(days=1))
        last = min(exit_date, world.end)
        while day < last:
            day += dt.timedelta(days=int(rng.expovariate(1.6 / 91)) + 1)
            if day <= last:
                world.sure_start_contacts.append(Record("sure_start_contacts", project, {
                    "contact_id": self.new_id(project, "C"), "registration_id": registration_id,
                    "contact_date": day, "service": _pick(rng, {
                        "ANTENATAL": 0.05, "HEALTH_VISITING": 0.2, "PARENTING": 0.2, "DEV_PROGRAMME_2_3": 0.15,
                        "SPEECH_LANGUAGE": 0.1, "PLAY": 0.25, "OTHER": 0.05}),
                    "attended": "Y" if rng.random() < 0.85 else "N",
                }, day))

    def family_support(self) -> None:
        rng, world = self.rng, self.world
        first = world.start - dt.timedelta(days=180)
        daily_families = FAMILY_SUPPORT_CHILDREN_PER_YEAR / CHILDREN_PER_FAMILY * self.scale / 365.25
        day = first
        signposted = [p for persons in self.trusts.known_children.values() for p in persons]
        while day <= world.end:
            for _ in range(_poisson(rng, daily_families * (1.3 if day.weekday() < 5 else 0.3))):
                siblings = 1 + (_poisson(rng, CHILDREN_PER_FAMILY - 1))
                if signposted and rng.random() < 0.15:
                    first_child = signposted[rng.randrange(len(signposted))]
                    if not 0 <= first_child.age_on(day) < 18 or first_child.date_of_birth > day:
                        continue
                else:
                    first_child = self.trusts.people.make(day - dt.timedelta(days=rng.randint(0, 17 * 365)))
                hubs = self.hubs_by_lgd[first_child.lgd]
                hub = rng.choice(hubs)
                org = rng.choice(self.orgs_by_hub[hub])
                children = [first_child]
                for _ in range(siblings - 1):
                    sibling = self.trusts.people.make(
                        day - dt.timedelta(days=rng.randint(0, 17 * 365)),
                        {"postcode_sector": first_child.sector, "lgd_code": first_child.lgd,
                         "trust_code": first_child.trust})
                    sibling.surname, sibling.postcode = first_child.surname, first_child.postcode
                    children.append(sibling)
                self.family_support_referrals(day, org, hub, children)
            day += DAY

    def family_support_referrals(self, day: dt.date, org: str, hub: str, children: list[Person]) -> None:
        rng = self.rng
        source = _pick(rng, {"SCHOOL": 0.3, "HEALTH_VISITOR": 0.15, "GP": 0.1, "SELF_FAMILY": 0.2,
                             "OTHER_TRUST": 0.1, "COMMUNITY": 0.08, "OTHER": 0.07})
        needs = sorted({_pick(rng, {"PARENTING": 0.3, "MENTAL_HEALTH": 0.2, "BEHAVIOUR": 0.15,
                                    "FINANCIAL_HARDSHIP": 0.1, "DOMESTIC_ABUSE": 0.07, "DISABILITY": 0.06,
                                    "SUBSTANCE_MISUSE": 0.04, "BEREAVEMENT": 0.04, "OTHER": 0.04})
                        for _ in range(rng.randint(1, 3))})
        if rng.random() < 0.9:
            started = day + dt.timedelta(days=rng.randint(5, 40))
            ended = started + dt.timedelta(days=rng.randint(40, 200))
            outcome = _pick(rng, {"NEEDS_MET": 0.55, "PARTIALLY_MET": 0.2, "NOT_MET": 0.05, "DISENGAGED": 0.12,
                                  "ESCALATED_TO_TRUST": 0.08})
        else:
            started, ended, outcome = None, day + dt.timedelta(days=30), "DISENGAGED"
        for child in children:
            self.world.add(Record("family_support", org, {
                "referral_ref": self.new_id(org), "org_code": org, "hub_code": hub, "referral_date": day,
                "forename": child.forename, "surname": child.surname, "date_of_birth": child.date_of_birth,
                "sex": child.sex if rng.random() > 0.03 else None, "postcode": child.postcode,
                "hcn": child.hcn if rng.random() < 0.55 else "", "referral_source": source,
                "needs": "|".join(needs), "service_start_date": started, "service_end_date": ended,
                "outcome": outcome, "advocacy": "Y" if rng.random() < 0.2 else "N",
            }, day, person=child))


def simulate(start: dt.date, end: dt.date, scale: float, seed: int) -> World:
    """Simulate every provider from two years before ``start`` (the history window) to ``end``."""
    rng = random.Random(seed)
    world = World(start=start, end=end, history_start=add_months(start, -24))
    trusts = TrustSimulation(world, rng, scale)
    trusts.run()
    CommunitySimulation(world, rng, scale, trusts).run()
    return world


def _eligible(placement_type: str, age: int, legal: str) -> str:
    """The placement type drawn, or what a child of this age and legal status would have instead: supported
    living from 16, secure accommodation from 10, never placed with parents when accommodated by agreement."""
    if placement_type == "SUPPORTED_LIVING" and age < 16:
        return "OTHER"
    if placement_type == "SECURE" and age < 10:
        return "OTHER"
    if placement_type == "PLACED_WITH_PARENTS" and legal == "VA":
        return "FOSTER_KIN"
    return placement_type


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means, a normal approximation for large ones."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
