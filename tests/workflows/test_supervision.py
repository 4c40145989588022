"""Supervision 督办 on a time-skipping Temporal server with the real store: the yellow notice fires
by itself and is audited once; a suspended deadline does not fire, and once resumed it falls due
later by exactly the time it was stopped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT
from tests.gateway import due, fire, sleep_until, until
from tests.workflows.test_doctoral_workstation import filed_case
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common.calendar import CURRENT
from zhanwu.workflows.common.supervision import LADDER

pytestmark = pytest.mark.usefixtures("worker")


async def test_a_suspended_deadline_waits_and_resumes_with_its_remaining_time(gw: Gateway, store: Store,
                                                                            env: WorkflowEnvironment) -> None:
    case_id = await filed_case(gw)
    deadline = (await env.get_current_time()) + timedelta(days=30)
    case = await fire(gw, case_id, "issue_rectification", CITY, {"findings": "团队解散", "deadline": deadline.isoformat()})
    yellow_at = LADDER.steps(due(case, "rectification"), CURRENT)[0][1]
    await sleep_until(env, yellow_at)
    yellow = await until(store, case_id, lambda c: bool(c.alerts))
    assert [(a.kind, a.level.value) for a in yellow.alerts] == [("rectification", "yellow")]

    await env.sleep(timedelta(days=1))
    stopped_at = await env.get_current_time()
    await fire(gw, case_id, "suspend_deadline", DISTRICT, {"kind": "rectification", "reason": "负责人住院"})
    await env.sleep(timedelta(days=40))  # well past the original deadline: nothing fires while stopped
    assert (await store.get_case(case_id)).state == "rectifying"
    resumed = await fire(gw, case_id, "resume_deadline", DISTRICT, {"kind": "rectification", "reason": "已出院"})
    stopped = (await env.get_current_time()) - stopped_at
    moved = due(resumed, "rectification")
    assert abs(moved - (deadline + stopped)) < timedelta(minutes=5)

    await sleep_until(env, moved, after=-timedelta(hours=1))
    assert (await store.get_case(case_id)).state == "rectifying"
    await sleep_until(env, moved)
    revoked = await until(store, case_id, lambda c: c.state == "revoked")
    history = await store.history(case_id)
    assert [h.action for h in history[5:]] == ["issue_rectification", "remind", "suspend_deadline", "resume_deadline",
                                               "remind", "rectification_expired"]
    assert [h.payload["level"] for h in history if h.action == "remind"] == ["yellow", "yellow"]  # the new date's own
    assert history[-1].at >= moved and revoked.version == len(history)
