"""A long-lived case continues as new and loses nothing: state, version, idempotency memory; and
however long it lives, each run stays short (the history bound)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.factories import BT_CITY_OFFICE, CITY, CS_HOST, DISTRICT, HOST, cs_application, filing, open_survey
from tests.gateway import fire, idle, runs
from zhanwu.schemas.common import CaseStart
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.commissioner_station.machine import LIFECYCLE as CS
from zhanwu.workflows.common import case_workflow
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

pytestmark = pytest.mark.usefixtures("worker")


async def test_case_continues_as_new_and_keeps_everything(
    env: WorkflowEnvironment, store: Store, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_workflow, "HISTORY_LIMIT", 40)
    gw = Gateway(env.client, store, task_queue, timeout_s=30)

    async def act(action, actor, payload=None, key=None):
        return await fire(gw, case_id, action, actor, payload, key)

    case_id = (await gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
    first_run = (await env.client.get_workflow_handle(case_id).describe()).run_id
    await act("begin_cultivation", DISTRICT)
    await act("submit_filing", HOST, filing())
    await act("recommend", DISTRICT)
    await act("approve_filing", CITY)
    answer = await act("set_tier", CITY, {"tier": "demonstration"}, key="tier-1")
    for i in range(12):
        await act("set_tier", CITY, {"tier": "key_improvement" if i % 2 == 0 else "demonstration"})
    handle = env.client.get_workflow_handle(case_id)
    assert (await handle.describe()).run_id != first_run, "the case should have continued as new"
    final = await act("set_tier", CITY, {"tier": "demonstration"}, key="tier-1")  # a retry from before
    assert final.version == answer.version  # the first answer, nothing applied again
    now = await store.get_case(case_id)
    assert now.version == 18 and now.state == "filed"
    assert [h.seq for h in await store.history(case_id)] == list(range(1, 19))


async def test_a_station_left_alone_ten_years_keeps_every_run_under_the_bound(
    env: WorkflowEnvironment, store: Store, gw: Gateway
) -> None:
    """The worst case for a history: a filed station whose 120 monthly reports all lapse, each with its
    three reminders, and which no evaluation ever reaches (no cycle boundary). Ran as one run of 2,754 events."""
    case_id = (await gw.open(CS, "submit_application", CS_HOST, cs_application(), None)).id
    await fire(gw, case_id, "start_review", BT_CITY_OFFICE, {"note": "组织专家评审"})
    await fire(gw, case_id, "file", BT_CITY_OFFICE, {"note": "予以备案"})
    await idle(env, timedelta(days=10 * 365 + 2))
    lengths = [len(h.events) for h in await runs(env, case_id)]
    assert len(lengths) >= 10 and max(lengths) <= 1000, lengths
    case = await store.get_case(case_id)
    assert case is not None and case.state == "filed"
    history = await store.history(case_id)
    assert [h.seq for h in history] == list(range(1, case.version + 1))  # nothing lost or repeated across the runs
    lapsed = [h for h in history if h.action == "report_overdue"]
    assert len(lapsed) >= 119 and [r["status"] for r in case.data["reports"]].count("outstanding") == len(lapsed)


async def test_a_new_run_carries_the_newest_answers_that_fit_its_budget(
    env: WorkflowEnvironment, store: Store, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each remembered answer is a whole snapshot, and snapshots grow with a case's age: a new run carries
    the newest answers within CARRIED_ANSWERS_BYTES (here three and a half answers' worth), and those still
    answer their retries."""
    monkeypatch.setattr(case_workflow, "HISTORY_LIMIT", 90)  # continues as new after several keyed actions
    gw = Gateway(env.client, store, task_queue, timeout_s=30)
    case_id = (await gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
    for action, actor, payload in (("begin_cultivation", DISTRICT, None), ("submit_filing", HOST, filing()),
                                   ("recommend", DISTRICT, None), ("approve_filing", CITY, None)):
        await fire(gw, case_id, action, actor, payload)
    tiers = {f"tier-{i}": ["key_improvement", "demonstration"][i % 2] for i in range(12)}
    answers = {}
    for key, tier in tiers.items():
        answers[key] = await fire(gw, case_id, "set_tier", CITY, {"tier": tier}, key)
        size = len(answers[key].model_dump_json())  # each within a few bytes of the others
        monkeypatch.setattr(case_workflow, "CARRIED_ANSWERS_BYTES", size * 7 // 2)

    second = (await runs(env, case_id))[1]
    payload = second.events[0].workflow_execution_started_event_attributes.input.payloads[0].data
    carried = CaseStart.model_validate_json(payload).carried
    assert carried is not None
    before = [key for key, answer in answers.items() if answer.version <= carried.snapshot.version]
    assert len(before) > 3 and list(carried.answers) == before[-3:]  # the newest three of those remembered then
    retry = await fire(gw, case_id, "set_tier", CITY, {"tier": tiers[before[-1]]}, before[-1])
    assert retry.version == answers[before[-1]].version  # its first answer, nothing applied again
