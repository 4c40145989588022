"""A doctor's residency on a time-skipping Temporal server with the real store: four quarterly reports
with one overdue, the 12-month evaluation delivered by a campaign, a warning escalated to exit, the
term's end to completion."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.factories import DR_DISTRICT, DR_HOST, agreement, dr_doctor, matching
from tests.gateway import due, fire, sleep_until, until
from zhanwu.schemas.common import CaseSnapshot
from zhanwu.schemas.evaluations import EvaluationRequest
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.evaluations import evaluate
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import DeadlineFilter
from zhanwu.workflows.common.lifecycle import Scope
from zhanwu.workflows.doctoral_residency.machine import LIFECYCLE as DR

pytestmark = pytest.mark.usefixtures("worker")
REPORT = {"report": "本季度完成样机测试"}


async def resident(gw: Gateway, term_months: int = 12, doctor: str = "dr-doctor-001") -> str:
    case_id = (await gw.open(DR, "open_matching", dr_doctor(doctor), matching(doctor), None)).id
    await fire(gw, case_id, "sign_agreement", DR_HOST, agreement(term_months))
    await fire(gw, case_id, "file_agreement", DR_DISTRICT)
    await fire(gw, case_id, "start_residency", DR_HOST, {"position": "technology_service_officer"})
    return case_id


def report_due(case: CaseSnapshot, n: int) -> datetime:
    return datetime.fromisoformat(case.data["reports"][n - 1]["due_at"])


async def evaluated(gw: Gateway, results: dict[str, str], round_: str = "2027") -> dict[str, CaseSnapshot | Problem]:
    req = EvaluationRequest.model_validate({"round": round_, "entries": [
        {"case_id": c, "result": r} for c, r in results.items()]})
    return (await evaluate(gw, DR, DR_DISTRICT, req))[1]


async def test_four_quarterly_reports_one_overdue_then_late(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await resident(gw)
    doctor = dr_doctor()
    start = await gw.store.get_case(case_id)
    await env.sleep(timedelta(days=30))
    q1 = await fire(gw, case_id, "submit_quarterly_report", doctor, REPORT)
    assert q1.data["reports"][0]["late"] is False
    await sleep_until(env, report_due(start, 2))  # the second quarter passes without a report
    missed = await until(gw.store, case_id, lambda c: c.data["reports"][1]["status"] == "outstanding")
    overdue, _ = await gw.store.list_deadlines(DeadlineFilter(programme="doctoral_residency", overdue=True),
                                               Scope(everything=True), await env.get_current_time(), 10, None)
    assert [(d.case_id, d.kind, d.due_at) for d in overdue] == [(case_id, "quarterly_report", report_due(start, 2))]
    assert [d.due_at for d in missed.deadlines if d.kind == "quarterly_report"] == [report_due(start, 2),
                                                                                    report_due(start, 3)]
    late = await fire(gw, case_id, "submit_quarterly_report", doctor, REPORT)
    assert late.data["reports"][1]["late"] is True and late.data["reports"][1]["status"] == "done"
    assert [d.due_at for d in late.deadlines if d.kind == "quarterly_report"] == [report_due(start, 3)]
    await env.sleep(timedelta(days=30))
    await fire(gw, case_id, "submit_quarterly_report", doctor, REPORT)
    await sleep_until(env, report_due(start, 3), after=timedelta(days=30))
    q4 = await fire(gw, case_id, "submit_quarterly_report", doctor, REPORT)
    assert [(r["status"], r["late"]) for r in q4.data["reports"]] == [("done", False), ("done", True), ("done", False),
                                                                      ("done", False)]
    history = [h.action for h in await gw.store.history(case_id)]
    assert history.count("report_overdue") == 1 and history.count("submit_quarterly_report") == 4


async def test_the_twelve_month_evaluation_waits_for_its_campaign(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await resident(gw, term_months=24)
    start = await gw.store.get_case(case_id)
    with pytest.raises(Problem) as early:
        await evaluated(gw, {case_id: "excellent"}, "2027-early")
    assert early.value.extra["rule"] == "DR-EVALUATION-AWAITED" and early.value.extra["entry"] == 0
    await sleep_until(env, due(start, "annual_evaluation"))
    waiting = await until(gw.store, case_id, lambda c: c.data["evaluations"][0]["status"] == "outstanding")
    assert waiting.state == "in_residence"
    with pytest.raises(Problem) as direct:
        await fire(gw, case_id, "record_annual_evaluation", DR_DISTRICT, {"result": "excellent", "round": "2027"})
    assert direct.value.status == 409 and direct.value.extra["rule"] == "EVALUATION-CAMPAIGN"
    with pytest.raises(Problem) as alone:  # one doctor evaluated: 30 % of 1, rounded down, is 0
        await evaluated(gw, {case_id: "excellent"})
    assert alone.value.extra.items() >= {"rule": "DR-EXCELLENT-QUOTA", "evaluated": 1, "excellent": 1, "allowed": 0}.items()
    (answer,) = (await evaluated(gw, {case_id: "competent"})).values()
    assert isinstance(answer, CaseSnapshot) and "rewards" not in answer.data
    first = answer.data["evaluations"][0]
    assert (first["status"], first["result"], first["campaign"]) == ("done", "competent", "ev-dr-410471-2027")
    assert [d.kind for d in answer.deadlines if d.due_at < await env.get_current_time()] == ["quarterly_report"] * 4


async def test_a_poor_year_interview_criticism_then_exit(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await resident(gw, term_months=24)
    await sleep_until(env, due(await gw.store.get_case(case_id), "annual_evaluation"))
    await until(gw.store, case_id, lambda c: c.data["evaluations"][0]["status"] == "outstanding")
    (warned,) = (await evaluated(gw, {case_id: "poor"})).values()
    assert isinstance(warned, CaseSnapshot) and warned.state == "under_warning"
    with pytest.raises(Problem) as early:
        await fire(gw, case_id, "remove_from_pool", DR_DISTRICT, {"reason": "无推进"})
    assert early.value.extra["rule"] == "DR-WARNING-CRITICISM"
    await fire(gw, case_id, "escalate_warning", DR_DISTRICT, {"reason": "约谈后仍无推进，予以通报批评"})
    exited = await fire(gw, case_id, "remove_from_pool", DR_DISTRICT, {"reason": "通报批评仍无推进"})
    assert exited.state == "exited" and exited.deadlines == []
    result = await env.client.get_workflow_handle(case_id, result_type=CaseSnapshot).result()
    assert result.state == "exited"


async def test_term_end_summary_then_final_evaluation_completes(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await resident(gw)
    start = await gw.store.get_case(case_id)
    with pytest.raises(Problem) as early:
        await fire(gw, case_id, "submit_final_summary", dr_doctor(), {"summary": "总结"})
    assert early.value.extra["rule"] == "DR-TERM-OVER"
    await sleep_until(env, due(start, "term_end"))
    ended = await until(gw.store, case_id, lambda c: c.data["term"][0]["status"] == "outstanding")
    assert due(ended, "term_end") == due(start, "term_end")
    await fire(gw, case_id, "submit_final_summary", dr_doctor(), {"summary": "入驻工作总结：完成三项技术攻关"})
    done = await fire(gw, case_id, "issue_final_evaluation", DR_DISTRICT, {"opinion": "成效显著"})
    assert done.state == "completed"
    history = await gw.store.history(case_id)
    system = [h.action for h in history if h.actor.role == "system" and h.action != "remind"]
    assert sorted(system) == ["evaluation_due", "report_overdue", "report_overdue", "report_overdue", "report_overdue",
                              "term_ended"]
    reminded = [(h.payload["kind"], h.payload["level"]) for h in history if h.action == "remind"]
    missed = [("quarterly_report", "yellow"), ("quarterly_report", "red"), ("quarterly_report", "escalated")]
    assert reminded == 3 * missed + [  # the fourth report, the evaluation and the summary all fall due at the term's end
        ("quarterly_report", "yellow"), ("annual_evaluation", "yellow"), ("term_end", "yellow"),
        ("quarterly_report", "red"), ("annual_evaluation", "red"), ("term_end", "red")]
