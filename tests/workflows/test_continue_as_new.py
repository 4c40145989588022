"""A long-lived case continues as new and loses nothing: state, version, idempotency memory."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT, HOST, filing, open_survey
from tests.gateway import fire
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
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
