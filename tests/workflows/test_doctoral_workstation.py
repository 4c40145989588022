"""The doctoral workstation lifecycle on a time-skipping Temporal server with the real store."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT, HOST, filing, open_survey
from tests.gateway import fire
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

pytestmark = pytest.mark.usefixtures("worker")


async def filed_case(gw: Gateway) -> str:
    case = await gw.open(DW, "open_survey", DISTRICT, open_survey(), None)
    await fire(gw, case.id, "begin_cultivation", DISTRICT)
    await fire(gw, case.id, "submit_filing", HOST, filing())
    await fire(gw, case.id, "recommend", DISTRICT)
    await fire(gw, case.id, "approve_filing", CITY)
    return case.id


async def test_whole_lifecycle_to_filed_and_audit(gw: Gateway, store: Store) -> None:
    case_id = await filed_case(gw)
    case = await store.get_case(case_id)
    assert case and case.state == "filed" and case.tier == "key_improvement" and case.version == 5
    assert case.flags["provincial_recommendation_eligible"] is False
    history = await store.history(case_id)
    assert [h.seq for h in history] == [1, 2, 3, 4, 5]
    assert [h.to_state for h in history] == ["surveyed", "cultivating", "filing_submitted", "recommended", "filed"]


async def test_rectification_deadline_revokes_without_report(gw: Gateway, store: Store, env: WorkflowEnvironment) -> None:
    case_id = await filed_case(gw)
    due = (await env.get_current_time()) + timedelta(days=30)
    await fire(gw, case_id, "issue_rectification", CITY, {"findings": "团队解散", "deadline": due.isoformat()})
    await env.sleep(timedelta(days=29))
    assert (await store.get_case(case_id)).state == "rectifying"
    await env.sleep(timedelta(days=2))
    await asyncio.sleep(0.5)
    case = await store.get_case(case_id)
    assert case.state == "revoked"
    last = (await store.history(case_id))[-1]
    assert last.action == "rectification_expired" and last.actor.role == "system"


async def test_pending_report_waits_for_decision(gw: Gateway, store: Store, env: WorkflowEnvironment) -> None:
    case_id = await filed_case(gw)
    due = (await env.get_current_time()) + timedelta(days=30)
    await fire(gw, case_id, "issue_rectification", CITY, {"findings": "场地不足", "deadline": due.isoformat()})
    with pytest.raises(Problem) as refused:
        await fire(gw, case_id, "accept_rectification", CITY)
    assert refused.value.extra["rule"] == "DW-RECT-REPORT"
    await fire(gw, case_id, "submit_rectification", HOST, {"report": "已新增场地"})
    await env.sleep(timedelta(days=60))
    assert (await store.get_case(case_id)).state == "rectifying"
    case = await fire(gw, case_id, "accept_rectification", CITY)
    assert case.state == "filed"
