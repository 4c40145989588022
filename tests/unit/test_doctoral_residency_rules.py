"""The doctoral_residency lifecycle (seed 001) through the real `CaseMachine`: the agreement's rules,
the position, the schedule residence starts, quarterly reports on time and late, annual evaluations
(campaign only, rewards, warnings), the warning ladder, the term's end, the quota's rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.factories import (
    DR_CITY_OFFICE,
    DR_DISTRICT,
    DR_HOST,
    DR_OTHER_DISTRICT,
    agreement,
    dr_doctor,
    matching,
)
from tests.unit.driver import Driver
from zhanwu.schemas.common import Actor, CaseSnapshot, Role
from zhanwu.workflows.common.calendar import CURRENT
from zhanwu.workflows.doctoral_residency.machine import EXCELLENT_QUOTA, PROFILES
from zhanwu.workflows.doctoral_residency.machine import LIFECYCLE as LC

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Asia/Shanghai; residence starts on 2026-11-23
SYSTEM = Actor(subject="system", role=Role.SYSTEM, region=DR_DISTRICT.region)
TO_RESIDENCE = ["open_matching", "sign_agreement", "file_agreement", "start_residency"]
PROFILE = PROFILES["pingdingshan-hitech@1"]
CAMPAIGN = "ev-dr-410471-2027"


def payload_for(action: str, now: datetime) -> dict[str, Any]:
    match action:
        case "open_matching":
            return matching()
        case "sign_agreement":
            return agreement()
        case "start_residency":
            return {"position": "vice_president_technology"}
        case "submit_quarterly_report":
            return {"report": "完成开关柜局放检测方案"}
        case "record_annual_evaluation":
            return {"result": "competent", "round": "2027"}
        case "escalate_warning" | "remove_from_pool":
            return {"reason": "项目合作长期无推进"}
        case "submit_final_summary":
            return {"summary": "入驻工作总结"}
        case "issue_final_evaluation":
            return {"opinion": "完成入驻任务，成效良好"}
    return {}


D = Driver(LC, {Role.HOST_UNIT: DR_HOST, Role.DISTRICT_OFFICE: DR_DISTRICT, Role.CITY_OFFICE: DR_CITY_OFFICE,
                Role.APPLICANT: dr_doctor(), Role.SYSTEM: SYSTEM}, payload_for)


def resident(term_months: int = 12) -> CaseSnapshot:
    case = D.walk(TO_RESIDENCE[:1], NOW)
    case = D.act(case, "sign_agreement", NOW, payload=agreement(term_months))
    return D.walk(TO_RESIDENCE[2:], NOW, case)


def evaluate(case: CaseSnapshot, result: str, at: datetime) -> CaseSnapshot:
    facts, refusal = D.check(case, "record_annual_evaluation", at, payload={"result": result, "round": "2027"},
                             campaign=CAMPAIGN)
    assert refusal is None and facts is not None, refusal
    return LC.machine(case.state).apply("record_annual_evaluation", facts)[0]


def month(n: int) -> datetime:
    """Past the due instant of the n-th month of residence."""
    return datetime(2026 + (10 + n) // 12, (10 + n) % 12 + 1, 24, 2, 0, tzinfo=UTC)


# --- the table, as DOMAIN.md states it ----------------------------------------------------------
DOCTOR, FIRM, ZONE, CITY, SYS = "applicant", "host_unit", "district_office", "city_office", "system"
LIVE = ("in_residence", "under_warning")
SPEC_TABLE = {  # action: (from, to (None: stays), roles); DOMAIN.md's, with the system's own actions
    "open_matching": ((), "matching", {DOCTOR, FIRM, ZONE}),
    "sign_agreement": (("matching",), "agreed", {FIRM, DOCTOR}),
    "file_agreement": (("agreed",), "filed", {ZONE}),
    "start_residency": (("filed",), "in_residence", {FIRM}),
    "submit_quarterly_report": (LIVE, None, {DOCTOR}),
    "report_overdue": (LIVE, None, {SYS}),
    "evaluation_due": (LIVE, None, {SYS}),
    "record_annual_evaluation": (LIVE, None, {CITY, ZONE}),  # also under warning: see the README
    "escalate_warning": (("under_warning",), None, {ZONE}),
    "clear_warning": (("under_warning",), "in_residence", {ZONE}),
    "remove_from_pool": (("under_warning",), "exited", {ZONE}),
    "term_ended": (LIVE, None, {SYS}),
    "submit_final_summary": (("in_residence",), None, {DOCTOR}),
    "issue_final_evaluation": (("in_residence",), "completed", {ZONE}),
}


def test_the_table_is_the_spec() -> None:
    table = {a.key.value: (tuple(s.value for s in a.sources), a.dest.value if a.dest else None,
                           {r.value for r in a.roles}) for a in LC.actions}
    assert table == SPEC_TABLE
    assert {s.value for s in LC.finals} == {"completed", "exited"}
    (poor,) = LC.by_key["record_annual_evaluation"].branches
    assert poor.dest.value == "under_warning"
    assert [a.key.value for a in LC.actions if LC.campaign_only(a)] == ["record_annual_evaluation"]


# --- the agreement ---------------------------------------------------------------------------
def test_a_doctor_a_zone_industry_and_a_year_sign_an_agreement() -> None:
    case = D.walk(TO_RESIDENCE[:2], NOW)
    assert case.state == "agreed" and case.data["agreement"]["industry_label"] == "电气装备"
    assert case.parties == {"applicant": ["dr-doctor-001"], "host_unit": ["91410471MA44PD001B"]}


@pytest.mark.parametrize(("months", "accepted"), [(11, False), (12, True), (36, True)])
def test_dr_term_at_least_twelve_months(months: int, accepted: bool) -> None:
    case = D.walk(TO_RESIDENCE[:1], NOW)
    if accepted:
        D.act(case, "sign_agreement", NOW, payload=agreement(months))
        return
    r = D.refused(case, "sign_agreement", NOW, payload=agreement(months))
    assert (r.rule, r.clause, r.extra) == ("DR-TERM", "001 第七条", {"min_term_months": 12})


@pytest.mark.parametrize("degree", [{"doctorate": False}, {"evidence": "  "}, {"evidence": None}])
def test_dr_doctorate_held_with_its_evidence(degree: dict[str, Any]) -> None:
    r = D.refused(D.walk(TO_RESIDENCE[:1], NOW), "sign_agreement", NOW, payload=agreement(**degree))
    assert (r.rule, r.clause) == ("DR-DOCTORATE", "001 第四条") and "博士学位" in r.detail_zh


def test_dr_industry_must_be_one_of_the_profiles_and_every_violated_rule_is_named() -> None:
    case = D.walk(TO_RESIDENCE[:1], NOW)
    r = D.refused(case, "sign_agreement", NOW, payload=agreement(industry="real_estate"))
    assert (r.rule, r.clause) == ("DR-INDUSTRY", "001 第六条")
    assert r.extra["industries"] == PROFILE["industries"] and "新材料" in r.detail_zh
    r = D.refused(case, "sign_agreement", NOW, payload=agreement(6, "real_estate", doctorate=False))
    assert r.rule == "DR-TERM" and r.extra["also_violated"] == ["DR-DOCTORATE", "DR-INDUSTRY"]


def test_a_malformed_agreement_is_invalid_naming_the_field() -> None:
    r = D.refused(D.walk(TO_RESIDENCE[:1], NOW), "sign_agreement", NOW, payload=agreement() | {"term_months": 0})
    assert r.kind == "invalid" and r.extra["errors"][0]["loc"] == ["body", "term_months"]


# --- the position ----------------------------------------------------------------------------
@pytest.mark.parametrize(("position", "accepted"), [
    ({"position": "rd_centre_deputy_director"}, True),
    ({"position": "other", "position_title": "首席工程师"}, True),
    ({"position": "other"}, False),
    ({"position": "other", "position_title": " "}, False),
])
def test_dr_position_listed_or_named(position: dict[str, Any], accepted: bool) -> None:
    filed = D.walk(TO_RESIDENCE[:3], NOW)
    if accepted:
        assert D.act(filed, "start_residency", NOW, payload=position).state == "in_residence"
    else:
        assert D.refused(filed, "start_residency", NOW, payload=position).rule == "DR-POSITION"


# --- the schedule ----------------------------------------------------------------------------
def test_residence_schedules_quarterly_reports_annual_evaluations_and_the_term_end() -> None:
    case = resident(term_months=24)
    reports, evaluations, (term,) = case.data["reports"], case.data["evaluations"], case.data["term"]
    # quarters end on the corresponding day (2027-05-23 is a Sunday: rolled to Monday)
    assert [r["due_at"] for r in reports] == [CURRENT.deadline_instant(d).isoformat() for d in (
        date(2027, 2, 23), date(2027, 5, 24), date(2027, 8, 23), date(2027, 11, 23), date(2028, 2, 23),
        date(2028, 5, 23), date(2028, 8, 23), date(2028, 11, 23))]
    assert reports[0]["opens_at"] == NOW.isoformat()  # a report may come from the first day of residence
    assert all(r["opens_at"] == p["due_at"] for p, r in zip(reports, reports[1:], strict=False))
    assert [e["due_at"] for e in evaluations] == [CURRENT.deadline_instant(date(2027, 11, 23)).isoformat(),
                                                    CURRENT.deadline_instant(date(2028, 11, 23)).isoformat()]
    assert term["due_at"] == CURRENT.deadline_instant(date(2028, 11, 23)).isoformat()
    assert [(d.kind, d.due_at.date()) for d in case.deadlines] == [
        ("quarterly_report", date(2027, 2, 23)), ("annual_evaluation", date(2027, 11, 23)),
        ("term_end", date(2028, 11, 23))]


# --- quarterly reports -------------------------------------------------------------------------
def test_a_report_in_its_quarter_is_on_time_and_a_second_one_waits_for_the_next_quarter() -> None:
    case = D.act(resident(), "submit_quarterly_report", NOW)
    first = case.data["reports"][0]
    assert (first["status"], first["late"]) == ("done", False) and first["report"] == "完成开关柜局放检测方案"
    r = D.refused(case, "submit_quarterly_report", month(2))
    assert (r.rule, r.clause) == ("DR-REPORT-OPEN", "001 第十三条")
    assert D.act(case, "submit_quarterly_report", month(3) + timedelta(days=1)).data["reports"][1]["status"] == "done"


def test_a_missed_quarter_becomes_an_overdue_item_until_the_late_report_clears_it() -> None:
    case = resident()
    r = D.refused(case, "report_overdue", month(3) - timedelta(days=2))
    assert (r.rule, r.extra["due_at"]) == ("DR-REPORT-LAPSED", case.data["reports"][0]["due_at"])
    case = D.act(case, "report_overdue", month(3))
    assert case.data["reports"][0]["status"] == "outstanding"
    overdue = [d for d in case.deadlines if d.kind == "quarterly_report"]
    assert [d.due_at.isoformat() for d in overdue] == [case.data["reports"][0]["due_at"], case.data["reports"][1]["due_at"]]
    case = D.act(case, "submit_quarterly_report", month(4))
    first, second = case.data["reports"][:2]
    assert (first["status"], first["late"], second["status"]) == ("done", True, "upcoming")
    assert [d.due_at.isoformat() for d in case.deadlines if d.kind == "quarterly_report"] == [second["due_at"]]


# --- annual evaluations ----------------------------------------------------------------------
def test_an_evaluation_is_recorded_only_by_a_campaign() -> None:
    case = D.act(resident(), "evaluation_due", month(12))
    r = D.refused(case, "record_annual_evaluation", month(12))
    assert (r.rule, r.clause) == ("EVALUATION-CAMPAIGN", "001 第十六条") and "/evaluations" in r.detail


def test_an_evaluation_waits_for_twelve_months_of_residence() -> None:
    case = resident(24)
    assert D.refused(case, "evaluation_due", month(11)).rule == "DR-EVALUATION-LAPSED"
    r = D.refused(case, "record_annual_evaluation", month(11), campaign=CAMPAIGN)
    assert (r.rule, r.clause) == ("DR-EVALUATION-AWAITED", "001 第十六条")
    awaited = D.act(case, "evaluation_due", month(12))
    first, second = awaited.data["evaluations"]
    assert (first["status"], second["status"]) == ("outstanding", "upcoming")
    listed = [d.due_at.isoformat() for d in awaited.deadlines if d.kind == "annual_evaluation"]
    assert listed == [first["due_at"], second["due_at"]]


def test_an_excellent_doctor_is_praised_and_rewarded_and_stays_in_residence() -> None:
    case = evaluate(D.act(resident(), "evaluation_due", month(12)), "excellent", month(12))
    assert case.state == "in_residence"
    assert case.data["rewards"] == [{"evaluation": 1, "round": "2027", "praise": "通报表扬", "amount_yuan": 10_000,
                                     "clause": "001 第十六条"}]
    (item,) = case.data["evaluations"]
    assert (item["status"], item["result"], item["campaign"]) == ("done", "excellent", CAMPAIGN)
    assert not [d for d in case.deadlines if d.kind == "annual_evaluation"]


def test_a_competent_doctor_stays_without_reward() -> None:
    case = evaluate(D.act(resident(), "evaluation_due", month(12)), "competent", month(12))
    assert case.state == "in_residence" and "rewards" not in case.data and "warning" not in case.data


# --- the warning ladder ----------------------------------------------------------------------
def warned() -> CaseSnapshot:
    return evaluate(D.act(resident(24), "evaluation_due", month(12)), "poor", month(12))


def test_a_poor_result_puts_the_doctor_under_warning_with_an_interview_first() -> None:
    case = warned()
    assert case.state == "under_warning" and case.data["warning"]["stage"] == "interview"
    assert D.act(case, "submit_quarterly_report", month(13)).state == "under_warning"  # reports go on


def test_removal_only_after_public_criticism() -> None:
    case = warned()
    r = D.refused(case, "remove_from_pool", month(13))
    assert (r.rule, r.clause, r.extra) == ("DR-WARNING-CRITICISM", "001 第十六条", {"stage": "interview"})
    case = D.act(case, "escalate_warning", month(13))
    assert case.data["warning"]["stage"] == "criticism" and case.data["warning"]["criticism"] == "项目合作长期无推进"
    assert D.refused(case, "escalate_warning", month(14)).rule == "DR-WARNING-INTERVIEW"
    exited = D.act(case, "remove_from_pool", month(14))
    assert exited.state == "exited" and exited.deadlines == []


def test_progress_clears_the_warning_and_keeps_it_on_record() -> None:
    case = D.act(D.act(warned(), "escalate_warning", month(13)), "clear_warning", month(14), payload={"note": "已推进"})
    assert case.state == "in_residence" and "warning" not in case.data
    assert case.data["past_warnings"][0]["stage"] == "criticism" and case.data["past_warnings"][0]["note"] == "已推进"


def test_a_second_poor_year_under_warning_keeps_the_stage_reached() -> None:
    case = D.act(warned(), "escalate_warning", month(13))
    case = evaluate(D.act(case, "evaluation_due", month(24)), "poor", month(24))
    assert case.state == "under_warning" and case.data["warning"]["stage"] == "criticism"


# --- the term's end --------------------------------------------------------------------------
def test_the_final_summary_comes_after_the_term_and_the_final_evaluation_after_it() -> None:
    case = resident()
    r = D.refused(case, "submit_final_summary", month(11))
    assert (r.rule, r.clause) == ("DR-TERM-OVER", "001 第十五条")
    assert D.refused(case, "term_ended", month(11)).rule == "DR-TERM-END"
    case = D.act(case, "term_ended", month(12))
    assert case.data["term"][0]["status"] == "outstanding"
    assert [d.due_at.isoformat() for d in case.deadlines if d.kind == "term_end"] == [case.data["term"][0]["due_at"]]
    r = D.refused(case, "issue_final_evaluation", month(12))
    assert (r.rule, r.clause) == ("DR-SUMMARY", "001 第十五条")
    case = D.act(case, "submit_final_summary", month(12))
    assert not [d for d in case.deadlines if d.kind == "term_end"]
    done = D.act(case, "issue_final_evaluation", month(12) + timedelta(days=20))
    assert done.state == "completed" and done.data["final_evaluation"]["opinion"] == "完成入驻任务，成效良好"


def test_no_summary_while_under_warning() -> None:
    case = D.act(warned(), "term_ended", month(24))
    assert D.refused(case, "submit_final_summary", month(24)).kind == "state"


# --- the quota -------------------------------------------------------------------------------
@pytest.mark.parametrize(("evaluated", "excellent", "allowed"), [
    (10, 3, 3), (10, 4, 3), (7, 2, 2), (7, 3, 2), (3, 0, 0), (3, 1, 0), (4, 1, 1), (20, 6, 6), (20, 7, 6), (1, 1, 0),
])
def test_the_excellent_quota_is_thirty_percent_rounded_down(evaluated: int, excellent: int, allowed: int) -> None:
    """不超过入驻人数的30%: a share of 30 % may not be exceeded, so it is rounded down (7 → 2.1 → 2)."""
    results = ["excellent"] * excellent + ["competent"] * (evaluated - excellent)
    refusal = EXCELLENT_QUOTA.refusal(results, PROFILE)
    if excellent <= allowed:
        assert refusal is None
    else:
        assert refusal is not None and (refusal.rule, refusal.clause) == ("DR-EXCELLENT-QUOTA", "001 第十六条")
        assert refusal.extra == {"evaluated": evaluated, "excellent": excellent, "allowed": allowed, "percent": 30}
        assert f"{evaluated}人中至多{allowed}人" in refusal.detail_zh


# --- roles and jurisdiction ------------------------------------------------------------------
def test_another_doctor_cannot_open_a_matching_in_someone_elses_name() -> None:
    r = D.refused(D.blank(NOW), "open_matching", NOW, actor=dr_doctor("someone-else"))
    assert r.kind == "not_found"


def test_another_district_cannot_file_and_a_doctor_cannot_file() -> None:
    agreed = D.walk(TO_RESIDENCE[:2], NOW)
    assert D.refused(agreed, "file_agreement", NOW, actor=DR_OTHER_DISTRICT).kind == "not_found"
    assert D.refused(agreed, "file_agreement", NOW, actor=dr_doctor()).kind == "forbidden"
    assert D.act(agreed, "file_agreement", NOW, actor=DR_DISTRICT).state == "filed"
