"""The commissioner_station lifecycle (seed 003) through the real `CaseMachine`: eligibility, review,
monthly reports that run on, evaluations by campaign (rectification, two unqualified years, the
blacklist), revocation for false information and its three-year ban, lifted by the case's timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import BT_CITY_OFFICE, CS_HOST, CS_INSTITUTION, CS_STATION, cs_application
from tests.unit.driver import Driver
from zhanwu.schemas.common import Actor, CaseSnapshot, Role
from zhanwu.workflows.commissioner_station.machine import LIFECYCLE as LC

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Asia/Shanghai
SYSTEM = Actor(subject="system", role=Role.SYSTEM, region=CS_HOST.region)
CAMPAIGN = "ev-cs-150200-2027"


def payload_for(action: str, now: datetime) -> dict[str, Any]:
    match action:
        case "submit_application":
            return cs_application()
        case "submit_monthly_report":
            return {"report": "本月为3家企业凝练技术需求"}
        case "reject":
            return {"reason": "服务能力不足"}
        case "revoke":
            return {"finding": "申报材料中服务合同系伪造"}
    return {"note": "同意"} if action != "record_evaluation" else {"result": "qualified", "round": "2027"}


D = Driver(LC, {Role.HOST_UNIT: CS_HOST, Role.STATION: CS_STATION, Role.CITY_OFFICE: BT_CITY_OFFICE,
                Role.SYSTEM: SYSTEM}, payload_for)


def filed() -> CaseSnapshot:
    return D.walk(["submit_application", "start_review", "file"], NOW)


def evaluate(case: CaseSnapshot, result: str, at: datetime, round_: str = "2027", **extra: Any) -> CaseSnapshot:
    facts, refusal = D.check(case, "record_evaluation", at, payload={"result": result, "round": round_, **extra},
                             campaign=CAMPAIGN)
    assert refusal is None and facts is not None, refusal
    return LC.machine(case.state).apply("record_evaluation", facts)[0]


SPEC_TABLE = {  # action: (from, to (None: stays), roles); DOMAIN.md's, with the actions the seed implies
    "submit_application": ((), "applied", {"host_unit"}),
    "start_review": (("applied",), "under_review", {"city_office"}),
    "file": (("under_review",), "filed", {"city_office"}),
    "reject": (("applied", "under_review"), "rejected", {"city_office"}),
    "submit_monthly_report": (("filed", "rectifying"), None, {"station"}),
    "report_overdue": (("filed", "rectifying"), None, {"system"}),
    "record_evaluation": (("filed", "rectifying"), None, {"city_office"}),
    "rectification_overdue": (("rectifying",), None, {"system"}),
    "confirm_rectification": (("rectifying",), "filed", {"city_office"}),
    "revoke": (("filed", "rectifying"), "revoked", {"city_office"}),
    "lift_ban": (tuple(s.value for s in LC.states), None, {"system"}),
}


def test_the_table_is_domain_md() -> None:
    table = {a.key.value: (tuple(s.value for s in a.sources), a.dest and a.dest.value, {r.value for r in a.roles})
             for a in LC.actions}
    assert table == SPEC_TABLE
    assert {s.value for s in LC.finals} == {"revoked", "rejected"}
    record = LC.by_key["record_evaluation"]
    assert [b.dest.value for b in record.branches] == ["revoked", "rectifying"]
    assert LC.campaign_only(record)


@pytest.mark.parametrize(("change", "failing"), [
    ({"region": "140302"}, ["registered_in_region"]),
    ({"staff": 2}, ["technical_staff"]),
    ({"since": "2024-11-24"}, ["service_years"]),  # one day short of 2 years before 2026-11-23
    ({"region": "140302", "staff": 0}, ["registered_in_region", "technical_staff"]),
])
def test_cs_eligible_names_every_failing_condition(change: dict[str, Any], failing: list[str]) -> None:
    r = D.refused(D.blank(NOW), "submit_application", NOW, payload=cs_application(**change))
    assert (r.rule, r.clause) == ("CS-ELIGIBLE", "003 内蒙古办法 第六条")
    assert r.extra["failing"] == failing


def test_two_years_of_service_to_the_day_and_three_staff_are_enough() -> None:
    case = D.act(D.blank(NOW), "submit_application", NOW, payload=cs_application(staff=3, since="2024-11-23"))
    assert case.state == "applied" and case.tier == "technical_service"
    assert case.parties == {"host_unit": [CS_INSTITUTION], "station": [CS_INSTITUTION]}


def test_filing_lays_out_a_year_of_monthly_reports_that_runs_on() -> None:
    case = filed()
    reports = case.data["reports"]
    # 2027-01-23 is a Saturday: that month's report is due on Monday the 25th
    assert [r["due_at"] for r in reports[:2]] == ["2026-12-23T16:00:00+00:00", "2027-01-25T16:00:00+00:00"]
    assert len(reports) == 12 and reports[-1]["due_at"] == "2027-11-23T16:00:00+00:00"
    assert "monthly_report" in {d.kind for d in case.deadlines}
    for _ in range(12):  # every month passes unreported: overdue, and the due dates run on
        timer = LC.next_timer(case)
        assert timer is not None and timer[0].kind == "monthly_report"
        case = D.act(case, "report_overdue", timer[1])
    assert len(case.data["reports"]) == 24
    assert sum(r["status"] == "outstanding" for r in case.data["reports"]) == 12
    late = D.act(case, "submit_monthly_report", NOW + timedelta(days=380))
    assert late.data["reports"][0]["late"] is True and late.data["reports"][0]["status"] == "done"


def test_a_report_is_refused_when_the_month_is_in() -> None:
    case = D.act(filed(), "submit_monthly_report", NOW)
    assert D.refused(case, "submit_monthly_report", NOW).rule == "CS-REPORT-OPEN"
    assert D.refused(case, "report_overdue", NOW).rule == "CS-REPORT-LAPSED"


def test_the_evaluation_is_campaign_only() -> None:
    r = D.refused(filed(), "record_evaluation", NOW)
    assert r.rule == "EVALUATION-CAMPAIGN"


def test_unqualified_rectifies_with_a_deadline_and_effective_rectification_refiles() -> None:
    case = evaluate(filed(), "unqualified", NOW, score={"points": {"reports_on_time": 5}, "total": 40})
    assert case.state == "rectifying"
    assert case.data["evaluations"][0]["score"]["total"] == 40
    (due,) = [d for d in case.deadlines if d.kind == "rectification"]
    assert due.due_at == datetime(2027, 2, 23, 16, 0, tzinfo=UTC)  # 3 months (the profile's), 24:00
    assert D.refused(case, "rectification_overdue", NOW).rule == "CS-RECTIFICATION-LAPSED"
    late = D.act(case, "rectification_overdue", due.due_at)
    assert [d.due_at for d in late.deadlines if d.kind == "rectification"] == [due.due_at]  # listed, overdue
    back = D.act(late, "confirm_rectification", due.due_at + timedelta(days=3))
    assert back.state == "filed" and back.data["rectifications"][0]["status"] == "done"
    assert "rectification" not in {d.kind for d in back.deadlines}


def test_two_unqualified_years_in_a_row_revoke_and_a_negative_impact_blacklists() -> None:
    first = evaluate(filed(), "unqualified", NOW)
    refiled = D.act(first, "confirm_rectification", NOW)
    again = evaluate(refiled, "unqualified", NOW + timedelta(days=365), "2028")
    assert again.state == "revoked" and again.bans == []
    assert again.data["evaluations"][-1]["consequence"] == {"rule": "CS-TWO-UNQUALIFIED", "clause": "003 包头方案 六(四)"}
    black = evaluate(refiled, "unqualified", NOW + timedelta(days=365), "2028", negative_impact=True)
    assert black.state == "revoked"
    (ban,) = black.bans
    assert (ban.subject, ban.rule, ban.role) == (CS_INSTITUTION, "CS-TWO-UNQUALIFIED", "host_unit")
    assert "ban_expiry" in {d.kind for d in black.deadlines}


def test_a_qualified_year_between_breaks_the_run() -> None:
    case = evaluate(filed(), "unqualified", NOW)
    case = evaluate(D.act(case, "confirm_rectification", NOW), "qualified", NOW, "2028")
    case = evaluate(case, "unqualified", NOW, "2029")
    assert case.state == "rectifying"


def test_false_information_revokes_with_a_three_year_ban_that_runs_out() -> None:
    case = D.act(filed(), "revoke", NOW)
    assert case.state == "revoked"
    (ban,) = case.bans
    assert (ban.rule, ban.clause) == ("CS-FALSE-INFO", "003 内蒙古办法 第十五条")
    assert ban.until == datetime(2029, 11, 23, 16, 0, tzinfo=UTC)  # 三年内: to 24:00 of 2029-11-23
    assert [d.kind for d in case.deadlines] == ["ban_expiry"]
    assert D.refused(case, "lift_ban", ban.until - timedelta(seconds=1)).rule == "BAN-EXPIRED"
    lifted = D.act(case, "lift_ban", ban.until)
    assert lifted.state == "revoked" and lifted.bans == [] and lifted.deadlines == []
    assert lifted.data["lifted_bans"][0]["rule"] == "CS-FALSE-INFO"
    assert LC.next_timer(lifted) is None  # nothing left to wait for: the workflow may end
