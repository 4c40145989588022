"""The postdoctoral workstation on a time-skipping Temporal server with the real store: the
non-recruitment window over years, recruitments, deregistration, batch certification, and one
station's twelve years with every run's history bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.factories import (
    CQ_CITY_OFFICE,
    CQ_DISTRICT,
    CQ_OTHER_DISTRICT,
    application,
    pd_host,
    pd_unit,
    recruitment,
)
from tests.gateway import due, fire, sleep_until, until
from zhanwu.schemas.common import CaseSnapshot
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway
from zhanwu.workflows.common.calendar import local_date
from zhanwu.workflows.postdoc_workstation.machine import LIFECYCLE as PD

pytestmark = pytest.mark.usefixtures("worker")
CODES = ["91500106MA5U7G1X2C", "91500106MA5U7G1X4J", "91500106MA5U7G1X6Q"]
# events per run: the first run holds the application (four actions); every later run one cycle of
# the station's life, ended by a recruitment or a window boundary, however many years it lasts
FIRST_RUN_BOUND, CYCLE_RUN_BOUND = 60, 35  # a cycle: its actions and its deadlines' reminders


async def recommended(gw: Gateway, code: str = CODES[0]) -> str:
    case_id = (await gw.open(PD, "create_application", pd_host(code), pd_unit(code), None)).id
    await fire(gw, case_id, "submit_application", pd_host(code), application())
    await fire(gw, case_id, "district_recommend", CQ_DISTRICT)
    return case_id


async def certified(gw: Gateway, code: str = CODES[0]) -> str:
    case_id = await recommended(gw, code)
    await fire(gw, case_id, "certify", CQ_CITY_OFFICE, {"batch": "2026年第4批"})
    return case_id


async def recruit(gw: Gateway, env: WorkflowEnvironment, case_id: str, code: str = CODES[0]) -> CaseSnapshot:
    today = local_date(await env.get_current_time()).isoformat()
    return await fire(gw, case_id, "record_recruitment", pd_host(code), recruitment(today))


async def test_no_recruitment_rectification_at_three_years_deregistered_at_four(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await certified(gw)
    case = await gw.store.get_case(case_id)
    rectify, close = due(case, "non_recruitment_window"), due(case, "rectification_year_end")
    await sleep_until(env, rectify, after=-timedelta(days=1))
    assert (await gw.store.get_case(case_id)).state == "certified"
    await sleep_until(env, rectify)
    rect = await until(gw.store, case_id, lambda c: c.state == "rectification_period")
    assert rect.data["rectification"]["ends_at"] == close.isoformat()
    assert [d.kind for d in rect.deadlines] == ["rectification_year_end"]
    await sleep_until(env, close)
    gone = await until(gw.store, case_id, lambda c: c.state == "deregistered")
    assert gone.data["deregistration"]["reason"] == "non_recruitment"
    history = await gw.store.history(case_id)
    acts = [h for h in history if h.action != "remind"]
    assert [(h.action, h.actor.role) for h in acts[-2:]] == [("window_lapsed", "system"),
                                                              ("deregister_non_recruitment", "system")]
    assert [h.seq for h in history] == list(range(1, len(history) + 1)) and len(acts) == 6
    # 督办: a yellow notice three working days before each deadline; each lapses into its action, no red
    assert [(h.payload["kind"], h.payload["level"]) for h in history if h.action == "remind"] == [
        ("non_recruitment_window", "yellow"), ("rectification_year_end", "yellow")]
    assert (await env.client.get_workflow_handle(case_id, result_type=CaseSnapshot).result()).state == "deregistered"


async def test_recruitment_in_the_fourth_year_returns_to_certified(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await certified(gw)
    first = await gw.store.get_case(case_id)
    await sleep_until(env, due(first, "non_recruitment_window"), after=timedelta(days=100))
    await until(gw.store, case_id, lambda c: c.state == "rectification_period")
    back = await recruit(gw, env, case_id)
    assert back.state == "certified" and back.data["rectification"] is None
    assert due(back, "non_recruitment_window") > due(first, "rectification_year_end")
    await sleep_until(env, due(first, "rectification_year_end"), after=timedelta(days=30))
    assert (await gw.store.get_case(case_id)).state == "certified"


async def test_recruitment_in_year_two_restarts_the_window(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await certified(gw)
    first = await gw.store.get_case(case_id)
    await env.sleep(timedelta(days=2 * 365))
    restarted = await recruit(gw, env, case_id)
    assert due(restarted, "non_recruitment_window") > due(first, "non_recruitment_window") + timedelta(days=700)
    await sleep_until(env, due(first, "non_recruitment_window"), after=timedelta(days=30))
    assert (await gw.store.get_case(case_id)).state == "certified"
    await sleep_until(env, due(restarted, "non_recruitment_window"))
    await until(gw.store, case_id, lambda c: c.state == "rectification_period")


async def test_manual_deregistration_ends_the_case(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await certified(gw)
    with pytest.raises(Problem) as invalid:
        await fire(gw, case_id, "deregister", CQ_CITY_OFFICE, {"reason": "serious_violation"})
    assert invalid.value.status == 422 and invalid.value.extra["errors"][0]["loc"] == ["body", "evidence"]
    gone = await fire(gw, case_id, "deregister", CQ_CITY_OFFICE,
                     {"reason": "unable_to_continue", "evidence": "破产清算裁定书（2027）渝01破1号"})
    assert gone.state == "deregistered" and gone.data["deregistration"]["clause"] == "002 §四(三)"
    assert gone.deadlines == []
    await env.client.get_workflow_handle(case_id).result()
    with pytest.raises(Problem) as late:
        await recruit(gw, env, case_id)
    assert late.value.status == 409 and late.value.extra["rule"] == "STATE"


async def test_batch_certification_one_refused_the_others_certified_retry_applies_nothing_twice(
    gw: Gateway, env: WorkflowEnvironment
) -> None:
    ready = [await recommended(gw, code) for code in CODES[:2]]
    not_ready = (await gw.open(PD, "create_application", pd_host(CODES[2]), pd_unit(CODES[2]), None)).id
    ids = [ready[0], not_ready, ready[1], "pd-500106-2026-9999"]
    payload = {"batch": "2026年第4批"}
    answers = list((await gw.act_many(PD, "certify", CQ_CITY_OFFICE, dict.fromkeys(ids, payload), "round-2026-4")).values())
    statuses = [200 if isinstance(a, CaseSnapshot) else a.status for a in answers]
    assert statuses == [200, 409, 200, 404]
    assert answers[1].extra["rule"] == "STATE" and answers[1].extra["state"] == "draft"
    again = (await gw.act_many(PD, "certify", CQ_CITY_OFFICE, dict.fromkeys(ids, payload), "round-2026-4")).values()
    assert [a.version for a in again if isinstance(a, CaseSnapshot)] == [answers[0].version, answers[2].version]
    for case_id in ready:
        assert [h.action for h in await gw.store.history(case_id)].count("certify") == 1
    outsider = await gw.act_many(PD, "district_recommend", CQ_OTHER_DISTRICT, dict.fromkeys(ready, {}), None)
    assert [p.status for p in outsider.values()] == [404, 404]


async def test_twelve_years_of_one_station_bounded_runs_and_a_gap_free_audit(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await certified(gw)
    handle = env.client.get_workflow_handle(case_id)
    year = timedelta(days=365)
    await env.sleep(year)
    await recruit(gw, env, case_id)  # year 1
    await env.sleep(2 * year)
    case = await recruit(gw, env, case_id)  # year 3
    await sleep_until(env, due(case, "non_recruitment_window"))  # year 6
    await until(gw.store, case_id, lambda c: c.state == "rectification_period")
    await env.sleep(year / 2)
    await recruit(gw, env, case_id)  # year 6.5: back to certified
    await env.sleep(year * 3 / 2)
    case = await recruit(gw, env, case_id)  # year 8
    await sleep_until(env, due(case, "rectification_year_end"))  # year 12
    await until(gw.store, case_id, lambda c: c.state == "deregistered")
    await handle.result()

    lengths, run_id = [], (await handle.describe()).run_id
    while run_id:  # from the last run back to the first
        events = (await env.client.get_workflow_handle(case_id, run_id=run_id).fetch_history()).events
        lengths.append(len(events))
        run_id = events[0].workflow_execution_started_event_attributes.continued_execution_run_id
    assert len(lengths) == 8 and lengths[-1] <= FIRST_RUN_BOUND and max(lengths[:-1]) <= CYCLE_RUN_BOUND, lengths
    history = await gw.store.history(case_id)
    assert [h.seq for h in history] == list(range(1, len(history) + 1))
    assert len([h for h in history if h.action != "remind"]) == 11
    assert [h.action for h in history].count("record_recruitment") == 4
    assert [h.action for h in history].count("window_lapsed") == 2
    assert history[-1].action == "deregister_non_recruitment"
    assert all(a.to_state == b.from_state for a, b in zip(history, history[1:], strict=False))
