"""The postdoc_workstation lifecycle (seed 002) through the real `CaseMachine`: both application
rules condition by condition, the recruitment date, the window in both readings, deregistration,
roles and the Chongqing jurisdictions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.factories import (
    BASIC,
    CQ_CITY_OFFICE,
    CQ_COUNTY_UNIT_CODE,
    CQ_DISTRICT,
    CQ_HOST,
    CQ_OTHER_DISTRICT,
    RECOMMENDATION,
    application,
    pd_host,
    pd_unit,
    recruitment,
)
from tests.unit.driver import Driver
from zhanwu.schemas.common import Actor, Role, region_prefix
from zhanwu.workflows.common.calendar import CURRENT, end_of_day, local_date
from zhanwu.workflows.postdoc_workstation.machine import LIFECYCLE as LC
from zhanwu.workflows.postdoc_workstation.machine import window_end

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Asia/Shanghai
SYSTEM = Actor(subject="system", role=Role.SYSTEM, region=CQ_DISTRICT.region)
TO_CERTIFIED = ["create_application", "submit_application", "district_recommend", "certify"]


def payload_for(action: str, now: datetime) -> dict[str, Any]:
    match action:
        case "create_application":
            return pd_unit()
        case "submit_application":
            return application()
        case "certify":
            return {"batch": "2026年第4批"}
        case "record_recruitment":
            return recruitment(local_date(now).isoformat())
        case "district_return" | "reject":
            return {"reason": "材料不全"}
        case "deregister":
            return {"reason": "serious_violation", "evidence": "学术不端调查结论（渝博管〔2027〕1号）"}
    return {}


D = Driver(LC, {Role.HOST_UNIT: CQ_HOST, Role.DISTRICT_OFFICE: CQ_DISTRICT, Role.CITY_OFFICE: CQ_CITY_OFFICE,
                Role.SYSTEM: SYSTEM}, payload_for)


def certified(now: datetime = NOW, profile: str | None = None) -> Any:
    return D.walk(TO_CERTIFIED, now, D.blank(now, profile))


# --- PD-BASIC and PD-RECOMMEND ---------------------------------------------------------------
@pytest.mark.parametrize("missing", BASIC)
def test_each_basic_condition_missing_is_refused(missing: str) -> None:
    draft = D.walk(["create_application"], NOW)
    r = D.refused(draft, "submit_application", NOW, payload=application(basic=tuple(k for k in BASIC if k != missing)))
    assert (r.rule, r.clause, r.kind) == ("PD-BASIC", "002 §一(一)1-6", "rule")
    assert r.extra["not_met"] == [missing] and r.extra["without_evidence"] == []


@pytest.mark.parametrize("unevidenced", BASIC)
def test_each_basic_condition_needs_its_evidence(unevidenced: str) -> None:
    draft = D.walk(["create_application"], NOW)
    basic = tuple(k for k in BASIC if k != unevidenced)
    r = D.refused(draft, "submit_application", NOW, payload=application(basic=basic, unevidenced=(unevidenced,)))
    assert r.rule == "PD-BASIC" and r.extra == {"not_met": [], "without_evidence": [unevidenced]}
    assert "证明材料" in r.detail_zh


def test_no_recommendation_condition_is_refused_and_both_rules_are_named() -> None:
    draft = D.walk(["create_application"], NOW)
    r = D.refused(draft, "submit_application", NOW, payload=application(recommendation=()))
    assert (r.rule, r.clause) == ("PD-RECOMMEND", "002 §一(二)1-5")
    r = D.refused(draft, "submit_application", NOW, payload=application(basic=BASIC[1:], recommendation=()))
    assert r.rule == "PD-BASIC" and r.extra["also_violated"] == ["PD-RECOMMEND"]


def test_a_recommendation_condition_claimed_without_evidence_does_not_count() -> None:
    draft = D.walk(["create_application"], NOW)
    r = D.refused(draft, "submit_application", NOW, payload=application(recommendation=(), unevidenced=("little_giant",)))
    assert r.rule == "PD-RECOMMEND" and r.extra["without_evidence"] == ["little_giant"]
    assert "专精特新" in r.detail_zh


@pytest.mark.parametrize("one", RECOMMENDATION)
def test_any_single_recommendation_condition_suffices(one: str) -> None:
    submitted = D.act(D.walk(["create_application"], NOW), "submit_application", NOW,
                      payload=application(recommendation=(one,)))
    assert submitted.state == "submitted" and submitted.data["application"]["recommendation"][one]["met"]


# --- certification and the window ------------------------------------------------------------
def test_certification_records_batch_profile_window_and_both_deadlines() -> None:
    case = certified()
    assert case.state == "certified" and case.data["certification"]["batch"] == "2026年第4批"
    assert case.data["window"] == {"window_years": 4, "rectification_years": 1, "window_reading": "rolling",
                                   "start": "2026-11-23", "start_kind": "certification"}
    assert {d.kind: d.due_at for d in case.deadlines} == {
        "non_recruitment_window": CURRENT.deadline_instant(date(2029, 11, 23)),
        "rectification_year_end": CURRENT.deadline_instant(date(2030, 11, 23)),
    }


def test_calendar_reading_counts_whole_years_after_the_start_year() -> None:
    case = certified(profile="chongqing-calendar@1")
    assert case.profile == "chongqing-calendar@1" and case.data["window"]["window_reading"] == "calendar"
    assert window_end(case, 1) == CURRENT.deadline_instant(date(2029, 12, 31))
    assert window_end(case) == CURRENT.deadline_instant(date(2030, 12, 31))


def test_a_rolling_window_from_29_february_ends_on_28_february() -> None:
    case = certified(datetime(2028, 2, 29, 2, 0, tzinfo=UTC))
    assert window_end(case, 1) == CURRENT.deadline_instant(date(2031, 2, 28))


def test_window_end_rolls_past_a_holiday() -> None:
    case = certified(datetime(2022, 10, 9, 2, 0, tzinfo=UTC))
    case.data["window"]["start"] = "2022-10-01"  # three years on is 国庆 and 中秋, 2025-10-01..08
    assert window_end(case, 1) == end_of_day(date(2025, 10, 9))


def test_the_window_cannot_lapse_early_and_lapses_at_its_end() -> None:
    case = certified()
    ends = window_end(case, 1)
    assert ends is not None
    r = D.refused(case, "window_lapsed", ends - timedelta(seconds=1))
    assert (r.rule, r.clause) == ("PD-WINDOW-RECTIFY", "002 §四(一)")
    rect = D.act(case, "window_lapsed", ends)
    assert rect.state == "rectification_period" and "第四年为整改期" in rect.data["rectification"]["notice"]
    assert [d.kind for d in rect.deadlines] == ["rectification_year_end"]
    assert D.refused(rect, "deregister_non_recruitment", ends).rule == "PD-WINDOW-END"
    gone = D.act(rect, "deregister_non_recruitment", window_end(case))
    assert gone.state == "deregistered"
    assert gone.data["deregistration"] | {"at": None} == {
        "reason": "non_recruitment", "reason_label": "连续四年（最后一年为整改期）未招收博士后研究人员",
        "clause": "002 §四(一)", "by": "system", "at": None, "evidence": None}


def test_a_recruitment_restarts_the_window_from_its_date() -> None:
    case = certified()
    later = NOW + timedelta(days=400)
    recruited = D.act(case, "record_recruitment", later, payload=recruitment("2027-12-01"))
    assert recruited.state == "certified" and recruited.data["window"]["start"] == "2027-12-01"
    assert recruited.data["recruitments"][0]["mobile_station"].endswith("流动站")
    assert window_end(recruited, 1) == CURRENT.deadline_instant(date(2030, 12, 1))


def test_a_recruitment_in_the_rectification_year_returns_the_case_to_certified() -> None:
    rect = D.act(certified(), "window_lapsed", window_end(certified(), 1))
    later = window_end(certified(), 1) + timedelta(days=30)
    back = D.act(rect, "record_recruitment", later, payload=recruitment(local_date(later).isoformat()))
    assert back.state == "certified" and back.data["rectification"] is None
    assert back.data["window"]["start_kind"] == "recruitment"


@pytest.mark.parametrize("on", ["2026-11-22", "2026-11-24"])  # before the window's start; tomorrow
def test_a_recruitment_dated_outside_the_window_is_refused(on: str) -> None:
    r = D.refused(certified(), "record_recruitment", NOW, payload=recruitment(on))
    assert (r.rule, r.extra["window_start"]) == ("PD-RECRUIT-DATE", "2026-11-23")


# --- deregistration --------------------------------------------------------------------------
@pytest.mark.parametrize(("reason", "clause"), [("serious_violation", "002 §四(二)"), ("unable_to_continue", "002 §四(三)")])
def test_manual_deregistration_records_its_ground_and_evidence(reason: str, clause: str) -> None:
    gone = D.act(certified(), "deregister", NOW, payload={"reason": reason, "evidence": "破产清算裁定书"})
    assert gone.state == "deregistered"
    assert gone.data["deregistration"]["clause"] == clause and gone.data["deregistration"]["evidence"] == "破产清算裁定书"


@pytest.mark.parametrize("payload", [{"reason": "non_recruitment", "evidence": "x"}, {"reason": "serious_violation"},
                                     {"reason": "serious_violation", "evidence": ""}])
def test_manual_deregistration_needs_a_manual_ground_and_evidence(payload: dict[str, Any]) -> None:
    r = D.refused(certified(), "deregister", NOW, payload=payload)
    assert r.kind == "invalid"


def test_roles() -> None:
    case = certified()
    assert D.refused(case, "deregister", NOW, actor=CQ_DISTRICT).kind == "forbidden"
    assert D.refused(case, "window_lapsed", NOW, actor=CQ_CITY_OFFICE).kind == "forbidden"
    submitted = D.walk(["create_application", "submit_application"], NOW)
    assert D.refused(submitted, "certify", NOW).rule == "STATE"
    assert D.act(submitted, "reject", NOW, actor=CQ_DISTRICT).state == "rejected"
    assert D.refused(submitted, "district_return", NOW, actor=CQ_HOST).kind == "forbidden"
    returned = D.act(submitted, "district_return", NOW)
    assert returned.state == "draft" and returned.data["returned"]["reason"] == "材料不全"
    assert D.act(returned, "submit_application", NOW).state == "submitted"
    assert D.refused(certified(), "record_recruitment", NOW, actor=CQ_CITY_OFFICE).kind == "forbidden"


# --- Chongqing jurisdictions -----------------------------------------------------------------
def test_region_prefixes_know_the_municipalities() -> None:
    assert [region_prefix(r) for r in ("500000", "140700", "140702")] == ["50", "1407", "140702"]
    assert CQ_CITY_OFFICE.city == "50" and CQ_DISTRICT.city == "50"
    assert Actor(subject="x", role=Role.CITY_OFFICE, region="140700").city == "1407"


def test_the_city_office_covers_districts_and_counties_a_district_only_its_own() -> None:
    district_case = D.walk(["create_application"], NOW)
    county_host = pd_host(CQ_COUNTY_UNIT_CODE, "500229")
    county = D.act(D.blank(NOW), "create_application", NOW, actor=county_host,
                   payload=pd_unit(CQ_COUNTY_UNIT_CODE, "500229"))
    assert LC.visible(CQ_CITY_OFFICE, district_case) and LC.visible(CQ_CITY_OFFICE, county)
    assert LC.visible(CQ_DISTRICT, district_case) and not LC.visible(CQ_OTHER_DISTRICT, district_case)
    submitted = D.act(district_case, "submit_application", NOW)
    assert D.refused(submitted, "district_recommend", NOW, actor=CQ_OTHER_DISTRICT).kind == "not_found"
