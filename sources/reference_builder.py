"""Build the synthetic reference data that ships as dbt seeds (spec section 6).

Trusts, LGDs (real names and LGD2014 codes) and Northern Ireland's bank
holidays are real; postcode sectors, deprivation deciles, populations, Sure
Start projects, hubs, organisations and teams are synthetic stand-ins that a
deployment replaces with the official files. The output is committed under
``dbt_project/seeds/``; run ``python -m sources.reference_builder`` only to
rebuild it. Deterministic: the same code always writes the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"

TRUSTS = [
    ("BHSCT", "Belfast Health and Social Care Trust", "v1"),
    ("NHSCT", "Northern Health and Social Care Trust", "v1"),
    ("SEHSCT", "South Eastern Health and Social Care Trust", "v1"),
    ("SHSCT", "Southern Health and Social Care Trust", "v0"),
    ("WHSCT", "Western Health and Social Care Trust", "v0"),
]

# LGD2014 code, name, Trust it mostly lies in, all-ages population (approx. 2021),
# postcode districts (synthetic assignment), how deprived it is (0 = least).
LGDS = [
    ("N09000001", "Antrim and Newtownabbey", "NHSCT", 145_000, ["BT36", "BT37", "BT39", "BT41"], 0.4),
    ("N09000002", "Armagh City, Banbridge and Craigavon", "SHSCT", 219_000,
     ["BT60", "BT61", "BT62", "BT63", "BT64", "BT65", "BT66", "BT67", "BT32"], 0.5),
    ("N09000003", "Belfast", "BHSCT", 345_000,
     ["BT1", "BT2", "BT3", "BT4", "BT5", "BT6", "BT7", "BT9", "BT10", "BT11", "BT12", "BT13",
      "BT14", "BT15", "BT17"], 0.75),
    ("N09000004", "Causeway Coast and Glens", "NHSCT", 142_000,
     ["BT51", "BT52", "BT53", "BT54", "BT55", "BT56", "BT57"], 0.5),
    ("N09000005", "Derry City and Strabane", "WHSCT", 150_000, ["BT47", "BT48", "BT49", "BT82"], 0.8),
    ("N09000006", "Fermanagh and Omagh", "WHSCT", 117_000, ["BT74", "BT78", "BT79", "BT92", "BT93", "BT94"], 0.45),
    ("N09000007", "Lisburn and Castlereagh", "SEHSCT", 149_000, ["BT27", "BT28", "BT8", "BT16"], 0.25),
    ("N09000008", "Mid and East Antrim", "NHSCT", 139_000, ["BT38", "BT40", "BT42", "BT43", "BT44"], 0.45),
    ("N09000009", "Mid Ulster", "NHSCT", 150_000, ["BT45", "BT46", "BT71", "BT80"], 0.45),
    ("N09000010", "Newry, Mourne and Down", "SHSCT", 182_000, ["BT24", "BT30", "BT31", "BT33", "BT34", "BT35"], 0.55),
    ("N09000011", "Ards and North Down", "SEHSCT", 164_000, ["BT18", "BT19", "BT20", "BT21", "BT22", "BT23"], 0.3),
]

SERVICE_AREA_TEAMS = {
    "GATEWAY": ("GW", 2),
    "FAMILY_INTERVENTION": ("FI", 4),
    "LAC": ("LA", 3),
    "LEAVING_CARE": ("LC", 1),
    "DISABILITY": ("CD", 1),
    "FAMILY_SUPPORT": ("FS", 1),
}
TRUST_TEAM_FACTOR = {"BHSCT": 2, "NHSCT": 2, "SEHSCT": 1, "SHSCT": 2, "WHSCT": 1}

POPULATION_YEARS = range(2015, 2031)
CHILD_SHARE_PER_AGE = 0.0130  # about 440,000 children under 18 (spec section 6)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month = (h + ll - 7 * m + 114) // 31
    day = (h + ll - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def _next_weekday_substitute(day: dt.date, taken: set[dt.date]) -> dt.date:
    while day.weekday() >= 5 or day in taken:
        day += dt.timedelta(days=1)
    return day


def _first_monday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    day = nxt - dt.timedelta(days=1)
    return day - dt.timedelta(days=day.weekday())


def ni_bank_holidays(year: int) -> list[tuple[dt.date, str]]:
    """Northern Ireland's bank and public holidays, with substitute days and the one-off changes."""
    easter = easter_sunday(year)
    early_may = _first_monday(year, 5)
    spring = _last_monday(year, 5)
    days: list[tuple[dt.date, str]] = []
    taken: set[dt.date] = set()

    def add(day: dt.date, name: str, substitute: bool = True) -> None:
        if substitute:
            day = _next_weekday_substitute(day, taken)
        taken.add(day)
        days.append((day, name))

    add(dt.date(year, 1, 1), "New Year's Day")
    add(dt.date(year, 3, 17), "St Patrick's Day")
    add(easter - dt.timedelta(days=2), "Good Friday", substitute=False)
    add(easter + dt.timedelta(days=1), "Easter Monday", substitute=False)
    if year == 2020:
        add(dt.date(2020, 5, 8), "Early May bank holiday (VE Day)", substitute=False)
    else:
        add(early_may, "Early May bank holiday", substitute=False)
    if year == 2022:
        add(dt.date(2022, 6, 2), "Spring bank holiday", substitute=False)
        add(dt.date(2022, 6, 3), "Platinum Jubilee bank holiday", substitute=False)
        add(dt.date(2022, 9, 19), "State Funeral of Queen Elizabeth II", substitute=False)
    else:
        add(spring, "Spring bank holiday", substitute=False)
    if year == 2023:
        add(dt.date(2023, 5, 8), "Coronation of King Charles III", substitute=False)
    add(dt.date(year, 7, 12), "Battle of the Boyne (Orangemen's Day)")
    add(_last_monday(year, 8), "Summer bank holiday", substitute=False)
    add(dt.date(year, 12, 25), "Christmas Day")
    add(dt.date(year, 12, 26), "Boxing Day")
    return sorted(days)


def _write(name: str, header: list[str], rows: list[tuple]) -> None:
    with (SEEDS_DIR / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build(seed: int = 20240331) -> None:
    rng = random.Random(seed)
    SEEDS_DIR.mkdir(parents=True, exist_ok=True)

    _write("ref_trusts", ["trust_code", "trust_name"], [(c, n) for c, n, _ in TRUSTS])
    _write("ref_lgds", ["lgd_code", "lgd_name", "trust_code"], [(c, n, t) for c, n, t, *_ in LGDS])

    sectors = []
    for lgd_code, _, trust_code, _, districts, deprivation in LGDS:
        weights = []
        for district in districts:
            for sector_digit in range(rng.randint(3, 7)):
                score = min(0.999, max(0.0, rng.gauss(deprivation, 0.22)))
                decile = 10 - int(score * 10)  # 1 = most deprived
                weights.append([f"{district} {sector_digit + 1}", district, lgd_code, trust_code, decile,
                                rng.uniform(0.5, 1.5)])
        total = sum(w[-1] for w in weights)
        for w in weights:
            w[-1] = round(w[-1] / total, 6)
        sectors.extend(weights)
    _write("ref_postcode_sectors",
           ["postcode_sector", "postcode_district", "lgd_code", "trust_code", "deprivation_decile",
            "population_share"], [tuple(s) for s in sectors])

    population = []
    for year in POPULATION_YEARS:
        growth = 1 + 0.003 * (year - 2021)
        for lgd_code, _, _, all_ages, *_ in LGDS:
            for age in range(26):
                per_age = all_ages * CHILD_SHARE_PER_AGE * growth * (1.02 - 0.004 * age)
                for sex, share in (("M", 0.512), ("F", 0.488)):
                    population.append((year, lgd_code, age, sex, round(per_age * share)))
    _write("ref_population", ["year", "lgd_code", "age", "sex", "population"], population)

    # 38 Sure Start projects in the most deprived sectors, spread over LGDs.
    deprived = sorted(sectors, key=lambda s: (s[4], rng.random()))
    projects, catchments, used = [], [], set()
    for sector in deprived:
        if len(projects) == 38:
            break
        if sector[0] in used:
            continue
        code = f"SS{len(projects) + 1:02d}"
        projects.append((code, f"Sure Start {sector[1]} project {len(projects) + 1}", sector[2], sector[3]))
        neighbours = [s for s in sectors if s[1] == sector[1] and s[0] not in used][:3]
        for s in neighbours:
            used.add(s[0])
            catchments.append((code, s[0]))
    _write("ref_sure_start_projects", ["project_code", "project_name", "lgd_code", "trust_code"], projects)
    _write("ref_sure_start_catchments", ["project_code", "postcode_sector"], catchments)

    hubs = []
    hub_lgds = [lgd for lgd in LGDS for _ in range(2)] + [LGDS[2], LGDS[2], LGDS[1], LGDS[9], LGDS[4], LGDS[7], LGDS[0]]
    for i, lgd in enumerate(hub_lgds[:29]):
        hubs.append((f"FSH{i + 1:02d}", f"{lgd[1]} Family Support Hub {i % 2 + 1}", lgd[0], lgd[2]))
    _write("ref_family_support_hubs", ["hub_code", "hub_name", "lgd_code", "trust_code"], hubs)

    org_names = ["Barnardo's NI", "Action for Children NI", "Home-Start", "Parenting NI", "Extern", "NSPCC NI",
                 "Include Youth", "Women's Aid", "Cruse", "Mencap NI", "Start360", "Children in Crossfire"]
    orgs, org_hubs = [], []
    for i, name in enumerate(org_names):
        code = f"VCS{i + 1:03d}"
        orgs.append((code, f"{name} (synthetic)"))
        for hub in rng.sample(hubs, rng.randint(2, 6)):
            org_hubs.append((code, hub[0]))
    covered = {h for _, h in org_hubs}
    for hub in hubs:
        if hub[0] not in covered:
            org_hubs.append((rng.choice(orgs)[0], hub[0]))
    _write("ref_organisations", ["org_code", "org_name"], orgs)
    _write("ref_organisation_hubs", ["org_code", "hub_code"], sorted(org_hubs))

    teams = []
    for trust_code, trust_name, _ in TRUSTS:
        for area, (abbrev, base) in SERVICE_AREA_TEAMS.items():
            for n in range(base * TRUST_TEAM_FACTOR[trust_code]):
                teams.append((f"{trust_code}-{abbrev}{n + 1:02d}", trust_code, area,
                              f"{trust_name.split(' Health')[0]} {area.replace('_', ' ').lower()} team {n + 1}"))
    _write("ref_teams", ["team_code", "trust_code", "service_area", "team_name"], teams)

    providers = [(c, "trust", n, layout) for c, n, layout in TRUSTS]
    providers += [(p[0], "sure_start", p[1], "v1") for p in projects]
    providers += [(o[0], "vcs", o[1], "v1") for o in orgs]
    _write("ref_providers", ["provider_code", "provider_type", "provider_name", "trust_layout"], providers)

    holidays = [(d.isoformat(), name) for year in range(2015, 2031) for d, name in ni_bank_holidays(year)]
    _write("ref_bank_holidays", ["holiday_date", "holiday_name"], holidays)


if __name__ == "__main__":
    build()
    print(f"reference seeds written to {SEEDS_DIR}")
