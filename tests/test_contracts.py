from __future__ import annotations

import pytest

from sources.contract import IDENTIFYING_ROLES, code_lists, contracts, legacy_name

SPEC_FEEDS = {
    "children", "referrals", "assessments", "child_protection", "care_episodes", "placements", "lac_reviews",
    "care_leavers", "workforce", "sure_start_registrations", "sure_start_contacts", "family_support",
}


def test_every_feed_of_the_spec_has_a_contract() -> None:
    assert set(contracts()) == SPEC_FEEDS


@pytest.mark.parametrize(("v1", "v0"), [
    ("child_id", "CLIENT_NO"), ("referral_date", "REFERRAL_DT"), ("decision_date", "DECISION_DT"),
    ("referral_source", "REFERRAL_SOURCE"), ("record_status", "RECORD_STATUS"),
])
def test_legacy_names_follow_spec_3_10(v1: str, v0: str) -> None:
    assert legacy_name(v1) == v0


def test_children_legacy_header_is_spelled_out_in_the_spec() -> None:
    header = contracts()["children"].header("v0")
    assert header == ["CLIENT_NO", "H_C_NO", "FIRST_NAME", "LAST_NAME", "DOB", "GENDER", "RELIGION",
                      "ETHNIC_ORIGIN", "DISABLED", "LANGUAGE", "INTERPRETER", "POST_CODE", "REC_STATUS"]


def test_workforce_and_community_feeds_have_only_layout_v1() -> None:
    for feed in ("workforce", "sure_start_registrations", "sure_start_contacts", "family_support"):
        assert contracts()[feed].layouts == ("v1",)
        with pytest.raises(ValueError):
            contracts()[feed].header("v0")


def test_trust_feeds_code_lists_all_have_legacy_codes() -> None:
    for contract in contracts().values():
        if "v0" not in contract.layouts:
            continue
        for col in contract.columns:
            if col.code_list:
                missing = [c.code for c in code_lists()[col.code_list] if c.v0 is None]
                assert not missing, f"{contract.feed}.{col.name}: no v0 code for {missing}"


def test_ethnicity_codes_match_spec_section_4() -> None:
    pairs = {c.code: c.v0 for c in code_lists()["ethnicity"]}
    assert pairs["ASOT"] == "10" and pairs["NREC"] == "99" and "9" not in pairs.values()


def test_identifying_columns_are_marked() -> None:
    children = contracts()["children"]
    marked = {c.name for c in children.columns if c.role in IDENTIFYING_ROLES}
    assert marked == {"child_id", "hcn", "forename", "surname", "date_of_birth", "postcode"}
