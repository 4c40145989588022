"""The commissioner lifecycle (seeds 003, 004) through the real `CaseMachine`, under both profiles
side by side: approval and qualification, enterprise conditions, the public notice in working days
and its objections, the tripartite agreement, reports, service days, changes, evaluations and their
consequences, renewal and the term's end, disqualification and bans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.factories import (
    BT_CITY_OFFICE,
    BT_FIRM,
    BT_FIRM_2,
    CM_PERSON,
    YQ_CITY_OFFICE,
    YQ_FIRM,
    YQ_UNIVERSITY,
    cm_actor,
    cm_agreement,
    cm_matching,
    registration,
)
from tests.unit.driver import Driver
from zhanwu.schemas.common import Actor, CaseSnapshot, Role
from zhanwu.workflows.commissioner.machine import LIFECYCLE as LC
from zhanwu.workflows.commissioner.machine import PROFILES
from zhanwu.workflows.common.calendar import SHANGHAI

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Asia/Shanghai
SYSTEM = Actor(subject="system", role=Role.SYSTEM, region="150200")
IM, YQ = "inner_mongolia@1", "yangquan@1"
CAMPAIGN = "ev-cm-150200-2027"
YQ_REG = {"person": "cm-person-yq-001", "unit": YQ_UNIVERSITY, "region": "140300", "degree": "master"}


def payload_for(action: str, now: datetime) -> dict[str, Any]:
    match action:
        case "register":
            return registration()
        case "match":
            return cm_matching()
        case "start_public_notice":
            return {}
        case "raise_objection":
            return {"objection": "该人员近三年有科研失信记录"}
        case "sign_agreement":
            return cm_agreement()
        case "submit_report":
            return {"report": "解决烧结开裂问题"}
        case "disqualify":
            return {"ground": "unmanageable", "finding": "长期不参加活动"}
    return {"note": "同意"}


D = Driver(LC, {Role.APPLICANT: cm_actor(Role.APPLICANT), Role.STATION: cm_actor(Role.STATION),
                Role.CITY_OFFICE: BT_CITY_OFFICE, Role.SYSTEM: SYSTEM}, payload_for)


def at(profile: str) -> tuple[Actor, dict[str, Any]]:
    """The city office and the registration of a profile's jurisdiction."""
    return (BT_CITY_OFFICE, registration()) if profile == IM else (YQ_CITY_OFFICE, registration(**YQ_REG))


def registered(profile: str = IM, reg: dict[str, Any] | None = None) -> CaseSnapshot:
    who = cm_actor(Role.APPLICANT) if profile == IM else signatories(YQ)[2]
    return D.act(D.blank(NOW, profile), "register", NOW, actor=who, payload=reg or at(profile)[1])


def matched(profile: str = IM) -> CaseSnapshot:
    city, reg = at(profile)
    case = registered(profile)
    case = D.act(case, "approve", NOW, actor=city)
    firm = BT_FIRM if profile == IM else YQ_FIRM
    return D.act(case, "match", NOW, actor=city, payload=cm_matching(firm, region=reg["dispatching_unit"]["region"]))


def in_notice(profile: str = IM, now: datetime = NOW) -> CaseSnapshot:
    return D.act(matched(profile), "start_public_notice", now, actor=at(profile)[0])


def appointed(profile: str = IM) -> CaseSnapshot:
    case = in_notice(profile)
    end = LC.next_timer(case)
    assert end is not None
    return D.act(case, "notice_ended", end[1])


def signatories(profile: str) -> list[Actor]:
    if profile == IM:
        return [cm_actor(Role.DISPATCHING_UNIT, "150200"), cm_actor(Role.HOST_UNIT), cm_actor(Role.APPLICANT)]
    return [Actor(subject=YQ_UNIVERSITY, role=Role.DISPATCHING_UNIT, region="140300"),
            Actor(subject=YQ_FIRM, role=Role.HOST_UNIT, region="140300"),
            Actor(subject=YQ_REG["person"], role=Role.APPLICANT, region="140300")]


def serving(profile: str = IM, term: int = 12) -> CaseSnapshot:
    case = appointed(profile)
    for who in signatories(profile):
        case = D.act(case, "sign_agreement", NOW + timedelta(days=10), actor=who, payload=cm_agreement(term))
    return case


def evaluate(case: CaseSnapshot, result: str, now: datetime, round_: str = "2027") -> CaseSnapshot:
    city = BT_CITY_OFFICE if case.profile == IM else YQ_CITY_OFFICE
    facts, refusal = D.check(case, "record_evaluation", now, actor=city, payload={"result": result, "round": round_},
                             campaign=CAMPAIGN)
    assert refusal is None and facts is not None, refusal
    return LC.machine(case.state).apply("record_evaluation", facts)[0]


def log_days(case: CaseSnapshot, days: int) -> CaseSnapshot:
    who = cm_actor(Role.APPLICANT) if case.profile == IM else signatories(YQ)[2]
    firm = BT_FIRM if case.profile == IM else YQ_FIRM
    return D.act(case, "log_service", NOW + timedelta(days=20), actor=who,
                 payload={"on": "2026-12-12", "days": days, "enterprise": firm, "work": "现场指导"})


# --- the table, as DOMAIN.md states it ----------------------------------------------------------------
ANYONE = {r.value for r in Role} - {"system"}
LIVE, NOT_FINAL = ("in_service", "rectifying"), tuple(s.value for s in LC.states if s.value not in ("ended", "disqualified"))
SPEC_TABLE = {
    "register": ((), "registered", {"applicant", "dispatching_unit", "station"}),
    "approve": (("registered",), "approved", {"station", "city_office"}),
    "match": (("approved",), "matched", {"city_office", "district_office"}),
    "start_public_notice": (("matched",), "in_public_notice", {"city_office"}),
    "raise_objection": (("in_public_notice",), None, ANYONE),
    "resolve_objection": (("in_public_notice",), None, {"city_office"}),
    "notice_ended": (("in_public_notice",), "appointed", {"system"}),
    "sign_agreement": (("appointed",), None, {"dispatching_unit", "host_unit", "applicant"}),
    "log_service": (LIVE, None, {"applicant"}),
    "submit_report": (LIVE, None, {"applicant"}),
    "report_overdue": (LIVE, None, {"system"}),
    "request_change": (LIVE, None, {"applicant", "host_unit"}),
    "approve_change": (LIVE, None, {"city_office"}),
    "record_evaluation": (LIVE, None, {"city_office"}),
    "rectification_overdue": (("rectifying",), None, {"system"}),
    "confirm_rectification": (("rectifying",), "in_service", {"city_office"}),
    "renew": (("in_service",), None, {"city_office"}),
    "term_ended": (LIVE, "ended", {"system"}),
    "disqualify": (NOT_FINAL, "disqualified", {"city_office"}),
    "lift_ban": (tuple(s.value for s in LC.states), None, {"system"}),
}


def test_the_table_is_domain_md() -> None:
    table = {a.key.value: (tuple(s.value for s in a.sources), a.dest and a.dest.value, {r.value for r in a.roles})
             for a in LC.actions}
    assert table == SPEC_TABLE
    branches = {a.key.value: [b.dest.value for b in a.branches] for a in LC.actions if a.branches}
    assert branches == {"resolve_objection": ["approved"], "sign_agreement": ["in_service"],
                        "record_evaluation": ["disqualified", "rectifying"]}


def test_profiles_side_by_side() -> None:
    im, yq = PROFILES[IM], PROFILES[YQ]
    assert (im["report_every_months"], yq["report_every_months"]) == (6, 3)
    assert (im["approvers"], yq["approvers"]) == (["station", "city_office"], ["city_office"])
    assert (im["score_sheet"], yq["score_sheet"]) == ("baotou-commissioner@1", None)
    assert (im["excellent_quota_percent"], yq["excellent_quota_percent"]) == (None, 20)
    assert (im["unqualified"], yq["unqualified"]) == ("rectify", "disqualify")
    assert set(im) == set(yq)  # a third city fills in the same settings


# --- approval -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("profile", "degree", "full_time", "title", "ok"), [
    (IM, "college", True, "none", True),  # 全日制大专以上
    (IM, "college", False, "none", False),
    (IM, "none", False, "intermediate", True),  # 中级以上职称
    (IM, "none", False, "junior", False),
    (YQ, "bachelor", True, "none", False),  # 硕士学位
    (YQ, "master", False, "none", True),
    (YQ, "bachelor", True, "intermediate", True),  # or 中级（含）以上职称
    (YQ, "college", True, "junior", False),
])
def test_cm_qualification_per_profile(profile: str, degree: str, full_time: bool, title: str, ok: bool) -> None:
    city, reg = at(profile)
    reg["person"] |= {"degree": degree, "full_time": full_time, "title": title}
    case = registered(profile, reg)
    if ok:
        assert D.act(case, "approve", NOW, actor=city).state == "approved"
    else:
        r = D.refused(case, "approve", NOW, actor=city)
        assert r.rule == "CM-QUALIFICATION"
        assert r.extra["qualification"]["clause"] == ("003 内蒙古办法 第七条(二)" if profile == IM else "004 第十三条(二)")


def test_a_station_approves_only_in_inner_mongolia() -> None:
    im = D.act(D.blank(NOW, IM), "register", NOW)
    assert D.act(im, "approve", NOW, actor=cm_actor(Role.STATION, "150200")).state == "approved"
    yq = registered(YQ)
    r = D.refused(yq, "approve", NOW, actor=Actor(subject="st", role=Role.STATION, region="140300"))
    assert r.rule == "CM-APPROVER" and r.extra["approvers"] == ["city_office"]


def test_cm_integrity_refuses_a_record_in_the_last_three_years() -> None:
    case = D.act(D.blank(NOW), "register", NOW, payload=registration(misconduct=True))
    r = D.refused(case, "approve", NOW, actor=BT_CITY_OFFICE)
    assert (r.rule, r.clause, r.extra["records"]) == ("CM-INTEGRITY", "004 第十三条(一)", ["misconduct_last_3_years"])


def test_enterprise_conditions_apply_in_inner_mongolia_only() -> None:
    case = D.act(D.act(D.blank(NOW), "register", NOW), "approve", NOW, actor=BT_CITY_OFFICE)
    bad = cm_matching() | {"enterprises": [cm_matching()["enterprises"][0] | {"region": "140302"}]}
    bad["enterprises"][0]["conditions"]["bad_credit"] = True
    r = D.refused(case, "match", NOW, actor=BT_CITY_OFFICE, payload=bad)
    assert (r.rule, r.extra["failing"]) == ("CM-ENTERPRISE", {BT_FIRM: ["registered_in_region", "no_bad_credit"]})
    assert D.refused(case, "match", NOW, actor=BT_CITY_OFFICE, payload={"enterprises": [], "targets": "x"}).rule == "PAYLOAD"


# --- public notice ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("starts", "last_day"), [
    (datetime(2026, 11, 23, 2, tzinfo=UTC), date(2026, 11, 30)),  # Monday + 5 working days: next Monday
    (datetime(2025, 9, 26, 2, tzinfo=UTC), date(2025, 10, 10)),  # across 国庆 2025, counting the 调休 Sunday 28 Sep
    (datetime(2026, 9, 29, 2, tzinfo=UTC), date(2026, 10, 12)),  # 30 Sep, 8, 9, the 调休 Saturday 10 Oct 2026, 12 Oct
])
def test_the_notice_runs_five_working_days_on_the_chinese_calendar(starts: datetime, last_day: date) -> None:
    case = in_notice(now=starts)
    notice = case.data["notice"]
    assert (notice["working_days"], notice["last_day"]) == (5, last_day.isoformat())
    end = LC.next_timer(case)
    assert end is not None and end[0].kind == "public_notice"
    assert end[1].astimezone(SHANGHAI) == datetime.combine(last_day + timedelta(days=1), datetime.min.time(), SHANGHAI)
    assert D.refused(case, "notice_ended", end[1] - timedelta(seconds=1)).rule == "CM-NOTICE-LAPSED"
    assert D.act(case, "notice_ended", end[1]).state == "appointed"


def test_an_open_objection_holds_the_case_past_the_window() -> None:
    case = D.act(in_notice(), "raise_objection", NOW, actor=cm_actor(Role.HOST_UNIT))
    until = datetime.fromisoformat(case.data["notice"]["until"])
    assert LC.next_timer(case) is None  # no appointment while it is open
    assert D.refused(case, "notice_ended", until).rule == "CM-NO-OBJECTION"
    assert D.refused(case, "raise_objection", until).rule == "CM-NOTICE-OPEN"
    later = until + timedelta(days=2)
    dismissed = D.act(case, "resolve_objection", later, actor=BT_CITY_OFFICE,
                      payload={"objection": 1, "upheld": False, "finding": "经核查不属实"})
    assert dismissed.state == "in_public_notice"
    end = LC.next_timer(dismissed)
    assert end is not None and end[1] == later  # appointed as soon as the last objection is dismissed
    assert D.act(dismissed, "notice_ended", later).state == "appointed"


def test_an_upheld_objection_returns_the_case_to_approved() -> None:
    case = D.act(in_notice(), "raise_objection", NOW, actor=BT_CITY_OFFICE)
    assert D.refused(case, "resolve_objection", NOW, actor=BT_CITY_OFFICE,
                     payload={"objection": 2, "upheld": True, "finding": "x"}).rule == "CM-OBJECTION-OPEN"
    back = D.act(case, "resolve_objection", NOW, actor=BT_CITY_OFFICE,
                 payload={"objection": 1, "upheld": True, "finding": "情况属实"})
    assert back.state == "approved"
    assert "notice" not in back.data and "matching" not in back.data and "host_unit" not in back.parties
    assert back.data["past_notices"][0]["objections"][0]["status"] == "upheld"
    assert LC.next_timer(back) is None


# --- agreement, service ---------------------------------------------------------------------------------
def test_the_agreement_takes_all_three_parties_on_the_same_terms() -> None:
    case = appointed()
    d, h, a = signatories(IM)
    one = D.act(case, "sign_agreement", NOW, actor=d)
    assert one.state == "appointed"
    assert D.refused(one, "sign_agreement", NOW, actor=d).rule == "CM-SIGNED-ONCE"
    assert D.refused(one, "sign_agreement", NOW, actor=h, payload=cm_agreement(6)).rule == "CM-TERM"
    two = D.act(one, "sign_agreement", NOW, actor=h)
    three = D.act(two, "sign_agreement", NOW, actor=a)
    assert three.state == "in_service" and set(three.data["agreement"]["signatures"]) == {
        "dispatching_unit", "host_unit", "applicant"}
    kinds = [d.kind for d in three.deadlines]
    assert kinds.count("progress_report") == 1 and "term_end" in kinds
    assert len(three.data["reports"]) == 2  # semiannual over a year


def test_term_lengths_per_profile() -> None:
    assert serving(IM, 6).state == "in_service"  # a university dispatches for at least 6 months
    r = D.refused(appointed(YQ), "sign_agreement", NOW, actor=signatories(YQ)[0], payload=cm_agreement(6))
    assert (r.rule, r.extra) == ("CM-TERM", {"min_term_months": 12, "max_term_months": 12})
    assert len(serving(YQ).data["reports"]) == 4  # quarterly


def test_service_is_logged_at_a_served_enterprise() -> None:
    case = log_days(serving(), 12)
    assert case.data["service_days_this_term"] == 12
    r = D.refused(case, "log_service", NOW, actor=cm_actor(Role.APPLICANT),
                  payload={"on": "2026-12-12", "days": 1, "enterprise": BT_FIRM_2, "work": "x"})
    assert r.rule == "CM-SERVICE-ENTERPRISE"


def test_a_change_needs_a_written_request_and_the_city_s_approval() -> None:
    case = serving()
    decision = {"approved": True, "note": "同意"}
    assert D.refused(case, "approve_change", NOW, actor=BT_CITY_OFFICE, payload=decision).rule == "CM-CHANGE-REQUESTED"
    incomplete = {"kind": "enterprise", "application": "原企业停产"}
    assert D.refused(case, "request_change", NOW, payload=incomplete).rule == "CM-CHANGE-CONTENT"
    asked = D.act(case, "request_change", NOW, payload=incomplete | cm_matching(BT_FIRM_2))
    assert D.refused(asked, "request_change", NOW, payload=incomplete | cm_matching(BT_FIRM_2)).rule == "CM-CHANGE-PENDING"
    done = D.act(asked, "approve_change", NOW, actor=BT_CITY_OFFICE, payload=decision)
    assert done.parties["host_unit"] == [BT_FIRM_2] and done.data["changes"][0]["approved"] is True


# --- evaluations ----------------------------------------------------------------------------------------
def test_cm_service_days_hold_a_result_above_unqualified_to_30_days() -> None:
    case = log_days(serving(), 29)
    facts, r = D.check(case, "record_evaluation", NOW, actor=BT_CITY_OFFICE,
                       payload={"result": "qualified", "round": "2027"}, campaign=CAMPAIGN)
    assert r is not None and (r.rule, r.extra) == ("CM-SERVICE-DAYS", {"days": 29, "required": 30})
    assert evaluate(log_days(case, 1), "qualified", NOW).state == "in_service"
    assert evaluate(case, "unqualified", NOW).state == "rectifying"
    assert evaluate(serving(YQ), "excellent", NOW).state == "in_service"  # yangquan sets no minimum


def test_unqualified_rectifies_in_inner_mongolia_and_twice_in_a_row_disqualifies() -> None:
    case = evaluate(serving(), "unqualified", NOW)
    assert case.state == "rectifying" and "rectification" in {d.kind for d in case.deadlines}
    assert D.act(case, "confirm_rectification", NOW, actor=BT_CITY_OFFICE).state == "in_service"
    assert evaluate(case, "unqualified", NOW, "2028").state == "disqualified"


def test_unqualified_in_yangquan_disqualifies_and_bars_the_next_year() -> None:
    case = evaluate(serving(YQ), "unqualified", datetime(2027, 12, 20, 2, tzinfo=UTC))
    assert case.state == "disqualified"
    (ban,) = case.bans
    assert (ban.subject, ban.rule, ban.clause) == (YQ_REG["person"], "CM-NOT-ELIGIBLE", "004 第十八条")
    assert ban.until.astimezone(SHANGHAI) == datetime(2029, 1, 1, tzinfo=SHANGHAI)  # through 2028


# --- renewal, term end, disqualification ------------------------------------------------------------------
def test_renewal_adds_a_term_and_the_term_ends_by_itself_otherwise() -> None:
    case = serving()  # signed 2026-12-03: the term ends at 24:00 on 2027-12-03
    (ends,) = [d.due_at for d in case.deadlines if d.kind == "term_end"]
    assert ends == datetime(2027, 12, 3, 16, tzinfo=UTC)
    assert D.refused(case, "term_ended", ends - timedelta(seconds=1)).rule == "CM-TERM-END"
    assert D.act(case, "term_ended", ends).state == "ended"
    renewed = D.act(case, "renew", NOW + timedelta(days=30), actor=BT_CITY_OFFICE)
    # a second year, counted from the first term's start: 2028-12-03 is a Sunday, so Monday the 4th
    assert [d.due_at for d in renewed.deadlines if d.kind == "term_end"] == [datetime(2028, 12, 4, 16, tzinfo=UTC)]
    assert renewed.data["term"][0]["renewed"] is True and len(renewed.data["reports"]) == 4
    assert D.refused(case, "renew", ends, actor=BT_CITY_OFFICE).rule == "CM-TERM-RUNNING"  # before the system ends it
    assert D.refused(D.act(case, "term_ended", ends), "renew", ends, actor=BT_CITY_OFFICE).rule == "STATE"


def test_reports_per_profile_cadence_on_time_late_and_overdue() -> None:
    case = serving()  # semiannual: due 2027-06-03 and 2027-12-03
    first = datetime.fromisoformat(case.data["reports"][0]["due_at"])
    assert first == datetime(2027, 6, 3, 16, tzinfo=UTC)
    assert D.refused(case, "report_overdue", first - timedelta(seconds=1)).rule == "CM-REPORT-LAPSED"
    missed = D.act(case, "report_overdue", first)
    assert [d.due_at for d in missed.deadlines if d.kind == "progress_report"][0] == first  # listed, overdue
    late = D.act(missed, "submit_report", first + timedelta(days=3))
    assert late.data["reports"][0]["late"] is True
    early = D.act(case, "submit_report", NOW + timedelta(days=20))  # the first half-year's, on time
    assert early.data["reports"][0]["late"] is False
    assert D.refused(early, "submit_report", NOW + timedelta(days=21)).rule == "CM-REPORT-OPEN"  # next opens 06-03
    assert datetime.fromisoformat(serving(YQ).data["reports"][0]["due_at"]) == datetime(2027, 3, 3, 16, tzinfo=UTC)


def test_a_missed_rectification_deadline_is_listed_until_confirmed() -> None:
    case = evaluate(serving(), "unqualified", NOW)
    (due,) = [d.due_at for d in case.deadlines if d.kind == "rectification"]
    assert D.refused(case, "rectification_overdue", due - timedelta(seconds=1)).rule == "CM-RECTIFICATION-LAPSED"
    late = D.act(case, "rectification_overdue", due)
    assert late.state == "rectifying" and due in [d.due_at for d in late.deadlines if d.kind == "rectification"]
    back = D.act(late, "confirm_rectification", due + timedelta(days=1), actor=BT_CITY_OFFICE)
    assert back.state == "in_service" and back.data["rectifications"][0]["status"] == "done"


def test_false_information_bars_the_person_and_the_enterprises_for_three_years() -> None:
    case = D.act(serving(), "disqualify", NOW, actor=BT_CITY_OFFICE,
                 payload={"ground": "false_information", "finding": "学历证明造假"})
    assert case.state == "disqualified"
    assert {(b.subject, b.role, b.rule) for b in case.bans} == {
        (CM_PERSON, "applicant", "CM-FALSE-INFO"), (BT_FIRM, "host_unit", "CM-FALSE-INFO")}
    assert {d.kind for d in case.deadlines} == {"ban_expiry"}
    other = D.act(serving(), "disqualify", NOW, actor=BT_CITY_OFFICE)
    assert other.bans == [] and other.deadlines == []
