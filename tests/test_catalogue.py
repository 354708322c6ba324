"""The indicator catalogue is the one description of an indicator: each has its own model, and the marts union
what the catalogue lists and complete their matrix from it (spec 7.3: every combination present)."""

from __future__ import annotations

import csv
from collections import Counter

import duckdb

from orchestration.lib.settings import PROJECT_ROOT
from sources.contract import code_lists
from sources.dbt_models import catalogue_models

SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"
INDICATOR_MODELS = PROJECT_ROOT / "dbt_project" / "models" / "marts" / "indicators"
# The values each breakdown takes, restated from spec 7.2 and section 4 (dim_breakdown_values builds them in SQL).
FIXED = {"total": ["total"], "age_band": ["under_1", "1_4", "5_11", "12_15", "16_17", "18_plus"],
         "deprivation_quintile": ["1", "2", "3", "4", "5", "unknown"],
         "time_on_register": ["under_6_months", "6_to_12_months", "1_to_2_years", "2_years_plus"],
         "time_in_care": ["under_1_year", "1_to_3_years", "3_to_5_years", "5_years_plus"],
         "family_support_age_group": ["0_4", "5_10", "11_15", "16_plus"],
         "first_language": ["en", "ga", "pl", "lt", "ar", "pt", "ro", "other", "unknown"]}
CODE_LISTS = {"sex": "sex", "religion": "religion", "ethnicity": "ethnicity", "disability": "ynu",
              "referral_source": "referral_source", "category_of_abuse": "abuse", "legal_status": "legal_status",
              "placement_type": "placement_type", "deregistration_reason": "dereg_reason",
              "care_end_reason": "care_end_reason", "family_support_need": "fs_need",
              "looked_after_legal_status": "legal_status"}
# Values a code-list breakdown takes beyond its list's codes.
BEYOND_CODE_LISTS = {"looked_after_legal_status": {"NOT_LOOKED_AFTER"}}


def _seed(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _domain(breakdown: str) -> set[str]:
    if breakdown in FIXED:
        return set(FIXED[breakdown])
    return {item.code for item in code_lists()[CODE_LISTS[breakdown]]} | BEYOND_CODE_LISTS.get(breakdown, set())


def test_every_catalogued_indicator_has_its_own_model_and_no_model_is_uncatalogued() -> None:
    catalogued = {row["indicator"] for row in _seed("ref_indicators")}
    models = {path.stem.removeprefix("ind_") for path in INDICATOR_MODELS.glob("ind_*.sql")}
    assert models == catalogued
    levels = _seed("ref_indicator_levels")
    for mart, listed in catalogue_models().items():
        assert set(listed) == {f"ind_{r['indicator']}" for r in levels if r["mart"] == mart}
    for path in INDICATOR_MODELS.glob("ind_*.sql"):
        text = path.read_text(encoding="utf-8")
        assert "ref('int_" not in text and "ref('stg_" not in text, path.name  # facts and dimensions only
        assert f"'{path.stem.removeprefix('ind_')}'" in text, path.name  # it names its own indicator


def test_no_intermediate_model_reads_a_mart() -> None:
    for path in (PROJECT_ROOT / "dbt_project" / "models" / "intermediate").glob("*.sql"):
        text = path.read_text(encoding="utf-8")
        assert not any(f"ref('{prefix}" in text for prefix in ("fct_", "dim_", "mart_", "ind_")), path.name


def _expected_cells(mart: str, periods: set[tuple], areas: dict[str, list[str]],
                    providers: dict[str, list[str]]) -> Counter:
    catalogue = [r for r in _seed("ref_indicators") if r["mart"] == mart]
    levels = [r for r in _seed("ref_indicator_levels") if r["mart"] == mart]
    breakdowns = [r for r in _seed("ref_indicator_breakdowns") if r["mart"] == mart]
    expected: Counter = Counter()
    for entry in catalogue:
        indicator = entry["indicator"]
        for level in (r["geographic_level"] for r in levels if r["indicator"] == indicator):
            codes = providers[entry["provider_type"]] if level == "PROVIDER" else areas[level]
            for breakdown in (r["breakdown"] for r in breakdowns if r["indicator"] == indicator):
                for value in _domain(breakdown):
                    for period in periods:
                        for code in codes:
                            expected[(*period, level, code, indicator, entry["unit"], breakdown, value)] += 1
    return expected


def test_both_marts_complete_their_matrix_from_the_catalogue(pipeline: dict) -> None:
    """Every period, indicator and unit the catalogue lists, in every area of every level it lists (every provider
    of the indicator's type for PROVIDER), by every value of every breakdown it lists, has exactly one row; any
    other row is a value seen in the data outside its breakdown's domain."""
    with duckdb.connect(str(pipeline["root"] / "published" / "analytics.duckdb"), read_only=True) as con:
        periods = set(con.execute("select distinct period_type, quarter_label from mart_indicators").fetchall())
        areas = {"NI": ["N92000002"],
                 "TRUST": [c for (c,) in con.execute("select trust_code from dim_trusts").fetchall()],
                 "LGD": [c for (c,) in con.execute("select lgd_code from dim_lgds").fetchall()]}
        providers: dict[str, list[str]] = {}
        for code, kind in con.execute("select provider_code, provider_type from dim_providers").fetchall():
            providers.setdefault(kind, []).append(code)
        indicators = Counter(con.execute(
            "select period_type, quarter_label, geographic_level, area_code, indicator, unit, breakdown, "
            "breakdown_value from mart_indicators").fetchall())
        performance = Counter(con.execute(
            "select period_type, quarter_label, provider_level, "
            "case when provider_level = 'NI' then 'N92000002' else provider_code end, indicator, unit, 'total', "
            "'total' from mart_service_performance").fetchall())
    assert len(periods) > 8 and len(areas["TRUST"]) == 5 and len(areas["LGD"]) == 11
    for mart, rows in (("mart_indicators", indicators), ("mart_service_performance", performance)):
        expected = _expected_cells(mart, periods, areas, providers)
        assert len(expected) > 1000
        assert [cell for cell, n in rows.items() if n > 1] == [], f"{mart}: a cell has two rows"
        missing = [cell for cell in expected if cell not in rows]
        assert missing == [], f"{mart}: {len(missing)} cells the catalogue lists have no row, e.g. {missing[:3]}"
        extra = [cell for cell in rows if cell not in expected]
        assert all(cell[7] not in _domain(cell[6]) for cell in extra), f"{mart}: rows the catalogue does not list"
