"""Synthetic people: names, Health and Care Numbers, addresses and characteristics.

Names include Irish spellings with accents and apostrophes and the names of
Northern Ireland's newer communities, because the ingest step must carry them
safely (UTF-8, normalisation for linkage) even though they never leave it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

FORENAMES = {
    "en": (["Jack", "James", "Noah", "Charlie", "Oliver", "Harry", "Thomas", "Lucas", "Daniel", "Ryan",
            "Emily", "Grace", "Sophie", "Olivia", "Ella", "Anna", "Amelia", "Isla", "Lily", "Chloe"],
           ["Wilson", "Campbell", "Johnston", "Moore", "Thompson", "Smith", "Brown", "Robinson", "Stewart",
            "Patterson", "Graham", "McCartney", "Kerr", "Irvine", "Hamilton"]),
    "ga": (["Seán", "Ciarán", "Pádraig", "Eoin", "Oisín", "Tadhg", "Darragh", "Cathal", "Rían", "Conor",
            "Órla", "Aoife", "Siobhán", "Niamh", "Caoimhe", "Róisín", "Saoirse", "Clodagh", "Méabh", "Ailbhe"],
           ["Ó Néill", "O'Neill", "McLaughlin", "Murphy", "Kelly", "Doherty", "O'Kane", "McGuinness",
            "Ó Dónaill", "Mac Giolla Bhríde", "D'Arcy", "Ní Bhriain", "McCann", "Quinn", "O'Hagan"]),
    "pl": (["Zofia", "Jakub", "Wiktoria", "Szymon", "Łucja", "Mikołaj"], ["Kowalski", "Nowak", "Wiśniewska", "Wójcik"]),
    "lt": (["Jonas", "Gabija", "Lukas", "Emilija"], ["Kazlauskas", "Petrauskaitė", "Jankauskas"]),
    "ar": (["Omar", "Fatima", "Yousef", "Maryam"], ["Al-Sayed", "Haddad", "Nasser"]),
    "pt": (["João", "Inês", "Tomás", "Leonor"], ["Silva", "Gonçalves", "Conceição"]),
    "ro": (["Andrei", "Ioana", "Ștefan", "Elena"], ["Popescu", "Ionescu", "Stănescu"]),
}
LANGUAGE_WEIGHTS = {"en": 0.90, "ga": 0.04, "pl": 0.02, "lt": 0.01, "ar": 0.01, "pt": 0.01, "ro": 0.01}
ETHNICITY_WEIGHTS = {
    "WHIT": 0.905, "IRTR": 0.006, "ROMA": 0.003, "INDI": 0.006, "CHIN": 0.004, "FILI": 0.004, "BAFR": 0.008,
    "BOTH": 0.002, "ASOT": 0.006, "ARAB": 0.003, "MIXD": 0.022, "OTHR": 0.006, "NREC": 0.025,
}
# Share of Catholic community background by LGD (synthetic, shaped like the census).
CATHOLIC_SHARE = {
    "N09000001": 0.35, "N09000002": 0.48, "N09000003": 0.50, "N09000004": 0.42, "N09000005": 0.75,
    "N09000006": 0.66, "N09000007": 0.22, "N09000008": 0.22, "N09000009": 0.64, "N09000010": 0.72,
    "N09000011": 0.15,
}

# Documented imperfection rates (README, "The synthetic data"): child-level feeds.
HCN_MISSING_RATE = 0.03
HCN_INVALID_RATE = 0.015
RELIGION_NOT_RECORDED = 0.08
DISABILITY_UNKNOWN = 0.05


def hcn_check_digit(first_nine: str) -> int | None:
    """Modulus-11 check digit of a Health and Care Number, or None where it would be 10 (invalid)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def new_hcn(rng: random.Random) -> str:
    while True:
        first_nine = f"{rng.randint(320, 399)}{rng.randint(0, 999_999):06d}"
        check = hcn_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


def spoil_hcn(rng: random.Random, hcn: str) -> str:
    """An HCN as it arrives when mistyped: wrong check digit, out of range or too short."""
    kind = rng.random()
    if kind < 0.5:
        return hcn[:9] + str((int(hcn[9]) + rng.randint(1, 9)) % 10)
    if kind < 0.8:
        return f"{rng.randint(100, 319)}{hcn[3:]}"
    return hcn[:8]


@dataclass(slots=True)
class Person:
    pid: int
    forename: str
    surname: str
    date_of_birth: dt.date
    sex: str
    hcn: str
    sector: str
    postcode: str
    lgd: str
    trust: str
    religion: str
    ethnicity: str
    disability: str
    first_language: str
    interpreter_required: str
    # Later moves: (date, new postcode). The address in force is the latest one before a date.
    moves: list[tuple[dt.date, str]] = field(default_factory=list)

    def postcode_on(self, day: dt.date) -> str:
        postcode = self.postcode
        for when, new in self.moves:
            if when <= day:
                postcode = new
        return postcode

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        return years - ((day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day))

    def birthday(self, age: int) -> dt.date:
        try:
            return self.date_of_birth.replace(year=self.date_of_birth.year + age)
        except ValueError:  # 29 February
            return dt.date(self.date_of_birth.year + age, 3, 1)


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def postcode_in(rng: random.Random, sector: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{sector}{rng.choice(letters)}{rng.choice(letters)}"


class PersonFactory:
    """Makes people living in synthetic postcode sectors, weighted by population and deprivation."""

    def __init__(self, rng: random.Random, sectors: list[dict], deprivation_skew: float = 1.0):
        self.rng = rng
        self.sectors = sectors
        self._weights = [float(s["weight"]) * (11 - int(s["deprivation_decile"])) ** deprivation_skew
                         for s in sectors]
        self._next_pid = 0
        self._issued_hcns: set[str] = set()

    def _unique(self, hcn: str) -> str:
        """The HCN, or, if another person holds it already, the next free valid number after it: one number per
        person, as the HCN index issues them, found without drawing again (the random stream, and so the
        calibration, stays as it was)."""
        number = int(hcn[:9])
        while hcn in self._issued_hcns:
            number = number + 1 if number < 399_999_999 else 320_000_000
            check = hcn_check_digit(str(number))
            if check is not None:
                hcn = f"{number}{check}"
        self._issued_hcns.add(hcn)
        return hcn

    def sector(self) -> dict:
        return self.rng.choices(self.sectors, weights=self._weights)[0]

    def make(self, date_of_birth: dt.date, sector: dict | None = None) -> Person:
        rng = self.rng
        sector = sector or self.sector()
        language = pick(rng, LANGUAGE_WEIGHTS)
        forenames, surnames = FORENAMES[language]
        ethnicity = "WHIT" if language in ("en", "ga") and rng.random() < 0.96 else pick(rng, ETHNICITY_WEIGHTS)
        catholic = CATHOLIC_SHARE[sector["lgd_code"]] + (0.25 if language == "ga" else 0.0)
        roll = rng.random()
        if roll < RELIGION_NOT_RECORDED:
            religion = "NREC"
        elif roll < RELIGION_NOT_RECORDED + 0.12:
            religion = "NONE"
        elif roll < RELIGION_NOT_RECORDED + 0.14:
            religion = "OTHR"
        else:
            religion = "CATH" if rng.random() < catholic else "PROT"
        roll = rng.random()
        disability = "U" if roll < DISABILITY_UNKNOWN else ("Y" if roll < DISABILITY_UNKNOWN + 0.09 else "N")
        self._next_pid += 1
        return Person(
            pid=self._next_pid,
            forename=rng.choice(forenames),
            surname=rng.choice(surnames),
            date_of_birth=date_of_birth,
            sex=rng.choices("MFU", weights=(0.51, 0.485, 0.005))[0],
            hcn=self._unique(new_hcn(rng)),
            sector=sector["postcode_sector"],
            postcode=postcode_in(rng, sector["postcode_sector"]),
            lgd=sector["lgd_code"],
            trust=sector["trust_code"],
            religion=religion,
            ethnicity=ethnicity,
            disability=disability,
            first_language=language,
            interpreter_required="Y" if language not in ("en", "ga") and rng.random() < 0.5 else "N",
        )
