"""How each provider typed a child's identifiers: the variation record linkage has to see through (issue 16).

A person has one true name, date of birth and address history (``people.py``); every record a provider keeps of
them carries the identifiers as that provider typed them. At documented rates (README, "The synthetic provider
generator") a record holds a nickname or another spelling of the forename, a typing error in a name, the Mc/Mac or
another spelling of the surname, the day and month of birth transposed, or the address before the child's latest
move. Each record's variation is drawn from its own generator, seeded by the run's seed and the record's id: the
same record says the same thing every month it is sent, the simulation's own random stream is untouched (so the
calibration holds), and the same child may be typed differently by two providers, or in two referrals to the
same organisation.

Dates of birth are varied only in the community and voluntary sector's records (family support referrals and Sure
Start registrations): a Trust's child record is matched to the Health and Care Number index, which carries the
date of birth. The truth (which person each record is) is written beside the submissions, never into the landing
area, for measuring linkage only (``linkage_truth``).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable
from pathlib import Path

from sources.generator.records import Record

# The record id of every feed that names a child, and whether its dates of birth are varied.
IDENTITY_FEEDS = {"children": "child_id", "sure_start_registrations": "registration_id",
                  "family_support": "referral_ref"}
COMMUNITY_FEEDS = {"sure_start_registrations", "family_support"}

FORENAME_VARIANT_RATE = 0.04  # a nickname or another spelling (Ciarán, Kieran; Thomas, Tom)
FORENAME_TYPO_RATE = 0.02  # one letter wrong, missing, doubled or swapped with the next
SURNAME_VARIANT_RATE = 0.02  # McCann, MacCann; Doherty, Docherty; a Polish or Lithuanian surname's other form
SURNAME_TYPO_RATE = 0.02
DAY_MONTH_TRANSPOSED_RATE = 0.02  # community records only: 03/05 for 05/03
FORMER_POSTCODE_RATE = 0.15  # of records of a child who has moved: the address before the latest move

FORENAME_VARIANTS = {
    "James": ["Jamie", "Jim"], "Charlie": ["Charles"], "Oliver": ["Ollie"], "Harry": ["Henry"],
    "Thomas": ["Tom", "Tommy"], "Daniel": ["Danny", "Dan"], "Lucas": ["Lukas"], "Ryan": ["Rian"],
    "Jack": ["Jake"], "Noah": ["Noa"], "Emily": ["Emilie", "Em"], "Grace": ["Gracie"], "Sophie": ["Sophia", "Sofie"],
    "Olivia": ["Liv"], "Ella": ["Ellie"], "Anna": ["Ann", "Annie"], "Amelia": ["Millie", "Amy"], "Isla": ["Islay"],
    "Lily": ["Lilly", "Lillie"], "Chloe": ["Cloe"],
    "Seán": ["Shaun", "Shane"], "Ciarán": ["Kieran", "Ciaran"], "Pádraig": ["Patrick", "Paddy"], "Eoin": ["Owen"],
    "Oisín": ["Osheen"], "Tadhg": ["Teague"], "Darragh": ["Dara"], "Cathal": ["Cahal"], "Rían": ["Ryan"],
    "Conor": ["Connor"], "Órla": ["Orlagh"], "Aoife": ["Eefa"], "Siobhán": ["Shivaun", "Chevonne"],
    "Niamh": ["Neve", "Neamh"], "Caoimhe": ["Keeva"], "Róisín": ["Rosheen"], "Saoirse": ["Seersha"],
    "Clodagh": ["Cloda"], "Méabh": ["Maeve"], "Ailbhe": ["Alva"],
    "Zofia": ["Sofia", "Zosia"], "Jakub": ["Jacob", "Kuba"], "Wiktoria": ["Victoria"], "Szymon": ["Simon"],
    "Łucja": ["Lucja", "Lucy"], "Mikołaj": ["Mikolaj", "Nicholas"], "Jonas": ["Jonah"], "Gabija": ["Gabi"],
    "Lukas": ["Lucas"], "Emilija": ["Emily"], "Omar": ["Umar"], "Fatima": ["Fatma"], "Yousef": ["Yusuf", "Joseph"],
    "Maryam": ["Mariam"], "João": ["John"], "Inês": ["Ines"], "Tomás": ["Thomas"], "Leonor": ["Leonora"],
    "Andrei": ["Andrew"], "Ioana": ["Joanna"], "Ștefan": ["Stephen"], "Elena": ["Helena"],
}
SURNAME_VARIANTS = {
    "McCartney": ["MacCartney"], "McLaughlin": ["McLoughlin", "MacLaughlin"], "McGuinness": ["Maginnis"],
    "McCann": ["MacCann"], "Doherty": ["Docherty"], "Johnston": ["Johnstone"], "Patterson": ["Paterson"],
    "Stewart": ["Stuart"], "Irvine": ["Irvin"], "Thompson": ["Thomson"], "Ó Néill": ["O'Neill"],
    "O'Neill": ["Neill"], "Ó Dónaill": ["O'Donnell"], "Ní Bhriain": ["O'Brien"], "Mac Giolla Bhríde": ["McBride"],
    "D'Arcy": ["Darcy"], "O'Kane": ["Kane"], "O'Hagan": ["Hagan"], "Kowalski": ["Kowalska"],
    "Wiśniewska": ["Wisniewski"], "Petrauskaitė": ["Petrauskas"], "Al-Sayed": ["El-Sayed"], "Haddad": ["Hadad"],
    "Kazlauskas": ["Kazlauskiene"], "Popescu": ["Popesku"],
}
KEYBOARD_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo", "j": "hk",
    "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et", "s": "ad", "t": "ry",
    "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x",
}


def typo(rng: random.Random, name: str) -> str:
    """One typing error: a letter replaced by its neighbour on the keyboard, left out, doubled, or swapped."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 3:
        return name
    i = rng.choice(letters[1:])  # the first letter is seldom wrong
    kind = rng.randrange(4)
    if kind == 0 and name[i].lower() in KEYBOARD_NEIGHBOURS:
        swap = rng.choice(KEYBOARD_NEIGHBOURS[name[i].lower()])
        return name[:i] + (swap.upper() if name[i].isupper() else swap) + name[i + 1:]
    if kind == 1:
        return name[:i] + name[i + 1:]
    if kind == 2:
        return name[:i] + name[i] + name[i:]
    if i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name[:i]


def transposed(day: dt.date) -> dt.date | None:
    """The date with day and month swapped, if that is another real date."""
    if day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month)


def record_rng(seed: int, record: Record) -> random.Random:
    """The generator of one record's variation: the same record varies the same way in every month's file."""
    return random.Random(f"{seed}|{record.feed}|{record.provider}|{record.value(IDENTITY_FEEDS[record.feed])}")


def as_typed(record: Record, row: dict, seed: int, day: dt.date) -> dict:
    """The row (the record's state at ``day``) with the child's identifiers as the provider typed them."""
    if record.person is None or record.feed not in IDENTITY_FEEDS:
        return row
    rng = record_rng(seed, record)
    rolls = [rng.random() for _ in range(4)]  # drawn whatever applies, so each kind of variation is independent
    typed = dict(row)
    forename, surname = row["forename"], row["surname"]
    if rolls[0] < FORENAME_VARIANT_RATE and forename in FORENAME_VARIANTS:
        typed["forename"] = rng.choice(FORENAME_VARIANTS[forename])
    elif rolls[0] < FORENAME_VARIANT_RATE + FORENAME_TYPO_RATE:
        typed["forename"] = typo(rng, forename)
    if rolls[1] < SURNAME_VARIANT_RATE and surname in SURNAME_VARIANTS:
        typed["surname"] = rng.choice(SURNAME_VARIANTS[surname])
    elif rolls[1] < SURNAME_VARIANT_RATE + SURNAME_TYPO_RATE:
        typed["surname"] = typo(rng, surname)
    if record.feed in COMMUNITY_FEEDS and rolls[2] < DAY_MONTH_TRANSPOSED_RATE:
        typed["date_of_birth"] = _transposed_if_valid(record, row["date_of_birth"])
    moves = [when for when, _ in record.person.moves if when <= day]
    if moves and rolls[3] < FORMER_POSTCODE_RATE and "postcode" in row:
        typed["postcode"] = record.person.postcode_on(max(moves) - dt.timedelta(days=1))
    return typed


def _transposed_if_valid(record: Record, born: dt.date) -> dt.date:
    """The transposed date of birth, where the quality gate would still take the record (born by the record's
    first date, and under 4 at a Sure Start registration); else the date as it is."""
    swapped = transposed(born)
    if swapped is None or swapped > record.created:
        return born
    if record.feed == "sure_start_registrations":
        registered = record.value("registration_date")
        months = (registered.year - swapped.year) * 12 + registered.month - swapped.month
        if months >= 48:
            return born
    return swapped


def write_truth(records: Iterable[Record], path: Path) -> int:
    """Which person each record naming a child is: provider, feed, the provider's record id, person. Only for
    measuring linkage (``cdw linkage-report``); the pipeline never reads it."""
    rows = sorted((r.provider, r.feed, str(r.value(IDENTITY_FEEDS[r.feed])), r.person.pid)
                  for r in records if r.feed in IDENTITY_FEEDS and r.person is not None)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["provider_code", "feed", "record_id", "person_id"])
        writer.writerows(rows)
    return len(rows)
