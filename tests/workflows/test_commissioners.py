"""Commissioners and their stations on a time-skipping Temporal server with the real store: the public
notice appointing by itself (and held by an objection), scored evaluation rounds with two unqualified
years in a row, and bans that refuse other cases until they run out three years later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.factories import (
    BT_CITY_OFFICE,
    BT_FIRM,
    CM_PERSON,
    CS_HOST,
    YQ_CITY_OFFICE,
    YQ_FIRM,
    YQ_UNIVERSITY,
    cm_actor,
    cm_agreement,
    cm_matching,
    cs_application,
    registration,
)
from tests.gateway import due, fire, sleep_until, until
from tests.postgres import BACKENDS
from zhanwu.schemas.common import Actor, CaseSnapshot, Role
from zhanwu.schemas.evaluations import EvaluationRequest
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.evaluations import evaluate
from zhanwu.services.api.gateway import Gateway
from zhanwu.workflows.commissioner.machine import LIFECYCLE as CM
from zhanwu.workflows.commissioner_station.machine import LIFECYCLE as CS
from zhanwu.workflows.common.score_sheets import BAOTOU_STATION

pytestmark = pytest.mark.usefixtures("worker")
NOTE = {"note": "同意"}
POOR = {"planning_helped": 1}  # 1 point: unqualified
GOOD = {"rd_guided": 4, "achievements_adopted": 7, "achievements_transferred": 6, "planning_helped": 11,
        "services_given": 30, "rd_institutions": 11}  # 85: excellent


async def station(gw: Gateway, code: str | None = None) -> str:
    payload = cs_application(code) if code else cs_application()
    case_id = (await gw.open(CS, "submit_application", CS_HOST, payload, None)).id
    await fire(gw, case_id, "start_review", BT_CITY_OFFICE, NOTE)
    await fire(gw, case_id, "file", BT_CITY_OFFICE, NOTE)
    return case_id


async def round_of(gw: Gateway, lc: Any, actor: Actor, round_: str, entries: list[dict[str, Any]]
                   ) -> dict[str, CaseSnapshot | Problem]:
    return (await evaluate(gw, lc, actor, EvaluationRequest.model_validate({"round": round_, "entries": entries})))[1]


async def in_notice(gw: Gateway, person: str = CM_PERSON, firm: str = BT_FIRM) -> str:
    case_id = (await gw.open(CM, "register", cm_actor(Role.APPLICANT, person=person), registration(person), None)).id
    await fire(gw, case_id, "approve", cm_actor(Role.STATION, "150200"), NOTE)
    await fire(gw, case_id, "match", BT_CITY_OFFICE, cm_matching(firm))
    await fire(gw, case_id, "start_public_notice", BT_CITY_OFFICE, {})
    return case_id


async def test_the_notice_appoints_by_itself_at_its_end(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await in_notice(gw)
    started = await gw.store.get_case(case_id)
    assert started is not None
    await sleep_until(env, due(started, "public_notice"), after=timedelta(minutes=1))
    appointed = await until(gw.store, case_id, lambda c: c.state == "appointed")
    (event,) = [h for h in await gw.store.history(case_id) if h.action == "notice_ended"]
    assert event.actor.role == "system" and event.at >= due(started, "public_notice")
    assert appointed.deadlines == []


async def test_an_objection_holds_the_case_until_it_is_dismissed(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await in_notice(gw)
    held = await fire(gw, case_id, "raise_objection", cm_actor(Role.HOST_UNIT), {"objection": "服务内容与需求不符"})
    assert held.deadlines == []  # no appointment is due while the objection is open
    await env.sleep(timedelta(days=20))  # well past the 5 working days
    still = await gw.store.get_case(case_id)
    assert still is not None and still.state == "in_public_notice"
    await fire(gw, case_id, "resolve_objection", BT_CITY_OFFICE, {"objection": 1, "upheld": False, "finding": "不属实"})
    await env.sleep(timedelta(minutes=1))
    assert (await until(gw.store, case_id, lambda c: c.state == "appointed")).state == "appointed"


@pytest.mark.parametrize("backend", BACKENDS)  # the bans are read across cases from the store
async def test_scored_rounds_two_unqualified_years_revoke_a_station(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await station(gw)
    with pytest.raises(Problem) as direct:
        await fire(gw, case_id, "record_evaluation", BT_CITY_OFFICE, {"result": "qualified", "round": "2027"})
    assert direct.value.extra["rule"] == "EVALUATION-CAMPAIGN"
    answers = await round_of(gw, CS, BT_CITY_OFFICE, "2027", [{"case_id": case_id, "counts": {"planning_helped": 20}}])
    (first,) = answers.values()
    assert isinstance(first, CaseSnapshot) and first.state == "rectifying"
    points = dict.fromkeys((i.key for i in BAOTOU_STATION.items), 0) | {"planning_helped": 1}
    assert first.data["evaluations"][0]["score"] == {"points": points, "total": 1}
    await fire(gw, case_id, "confirm_rectification", BT_CITY_OFFICE, {"note": "整改到位"})
    await env.sleep(timedelta(days=365))
    answers = await round_of(gw, CS, BT_CITY_OFFICE, "2028", [
        {"case_id": case_id, "counts": {"planning_helped": 20}, "negative_impact": True}])
    (second,) = answers.values()
    assert isinstance(second, CaseSnapshot) and second.state == "revoked"
    assert [b.rule for b in second.bans] == ["CS-TWO-UNQUALIFIED"]
    with pytest.raises(Problem) as barred:  # the blacklisted institution may not apply again
        await gw.open(CS, "submit_application", CS_HOST, cs_application(), None)
    assert barred.value.status == 409 and barred.value.extra["rule"] == "CS-BANNED"


@pytest.mark.parametrize("backend", BACKENDS)  # the bans are read across cases from the store
async def test_false_information_bans_for_three_years_then_runs_out(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await in_notice(gw)
    noticed = await gw.store.get_case(case_id)
    assert noticed is not None
    await sleep_until(env, due(noticed, "public_notice"))
    await until(gw.store, case_id, lambda c: c.state == "appointed")
    out = await fire(gw, case_id, "disqualify", BT_CITY_OFFICE, {"ground": "false_information", "finding": "学历造假"})
    assert out.state == "disqualified" and {b.subject for b in out.bans} == {CM_PERSON, BT_FIRM}
    with pytest.raises(Problem) as person:
        await gw.open(CM, "register", cm_actor(Role.APPLICANT), registration(), None)
    assert person.value.extra["rule"] == "CM-BANNED" and person.value.extra["bans"][0]["case_id"] == case_id
    other = (await gw.open(CM, "register", cm_actor(Role.APPLICANT, person="cm-person-002"),
                           registration("cm-person-002"), None)).id
    await fire(gw, other, "approve", cm_actor(Role.STATION, "150200"), NOTE)
    with pytest.raises(Problem) as firm:  # the enterprise is barred too
        await fire(gw, other, "match", BT_CITY_OFFICE, cm_matching(BT_FIRM))
    assert firm.value.extra["rule"] == "CM-BANNED" and firm.value.extra["bans"][0]["subject"] == BT_FIRM
    handle = env.client.get_workflow_handle(case_id)
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING  # running the ban out
    await sleep_until(env, out.bans[0].until)
    lifted = await until(gw.store, case_id, lambda c: not c.bans)
    assert lifted.state == "disqualified" and lifted.data["lifted_bans"]
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    assert (await fire(gw, other, "match", BT_CITY_OFFICE, cm_matching(BT_FIRM))).state == "matched"


@pytest.mark.parametrize("backend", BACKENDS)  # the bans are read across cases from the store
async def test_a_yangquan_unqualified_year_bars_the_next_year(gw: Gateway, env: WorkflowEnvironment) -> None:
    person = "cm-person-yq-001"
    applicant = Actor(subject=person, role=Role.APPLICANT, region="140300")
    reg = registration(person, "master", unit=YQ_UNIVERSITY, region="140300")
    case_id = (await gw.open(CM, "register", applicant, reg, None, "yangquan@1")).id
    await fire(gw, case_id, "approve", YQ_CITY_OFFICE, NOTE)
    await fire(gw, case_id, "match", YQ_CITY_OFFICE, cm_matching(YQ_FIRM, region="140302"))
    notice = await fire(gw, case_id, "start_public_notice", YQ_CITY_OFFICE, {})
    await sleep_until(env, due(notice, "public_notice"))
    await until(gw.store, case_id, lambda c: c.state == "appointed")
    for who in (Actor(subject=YQ_UNIVERSITY, role=Role.DISPATCHING_UNIT, region="140300"),
                Actor(subject=YQ_FIRM, role=Role.HOST_UNIT, region="140300"), applicant):
        serving = await fire(gw, case_id, "sign_agreement", who, cm_agreement())
    assert serving.state == "in_service" and serving.profile == "yangquan@1"
    with pytest.raises(Problem) as counted:  # yangquan takes grades, not counts
        await round_of(gw, CM, YQ_CITY_OFFICE, "2027", [{"case_id": case_id, "counts": GOOD}])
    assert counted.value.status == 422
    answers = await round_of(gw, CM, YQ_CITY_OFFICE, "2027", [{"case_id": case_id, "result": "unqualified"}])
    (out,) = answers.values()
    assert isinstance(out, CaseSnapshot) and out.state == "disqualified"
    (ban,) = out.bans
    with pytest.raises(Problem) as barred:
        await gw.open(CM, "register", applicant, reg, None, "yangquan@1")
    assert barred.value.extra["rule"] == "CM-BANNED" and barred.value.extra["bans"][0]["rule"] == "CM-NOT-ELIGIBLE"
    await sleep_until(env, ban.until)
    await until(gw.store, case_id, lambda c: not c.bans)
    assert (await gw.open(CM, "register", applicant, reg, None, "yangquan@1")).state == "registered"
