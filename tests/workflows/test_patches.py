"""A case opened today assumes every patch of its code generation (`case_workflow.PATCHES`): its runs record
no patch marker, where a case opened before records one per patch per run (and a TemporalChangeVersion
upsert each) — and both behave alike. That older cases still replay as they ran is tests/replay's part."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT
from tests.gateway import fire
from tests.workflows.test_doctoral_workstation import filed_case
from zhanwu.schemas.common import CaseStart
from zhanwu.services.api import gateway
from zhanwu.services.api.gateway import Gateway
from zhanwu.workflows.common.case_workflow import GENERATION, PATCHES
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

pytestmark = pytest.mark.usefixtures("worker")


@pytest.mark.parametrize("generation", [0, GENERATION])
async def test_patches_asked_only_by_cases_opened_before_their_generation(
    generation: int, gw: Gateway, env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gateway, "GENERATION", generation)  # what the API puts in the case's start
    case_id = await filed_case(gw)
    deadline = (await env.get_current_time()) + timedelta(days=30)
    await fire(gw, case_id, "issue_rectification", CITY, {"findings": "团队解散", "deadline": deadline.isoformat()})
    case = await fire(gw, case_id, "suspend_deadline", DISTRICT, {"kind": "rectification", "reason": "负责人住院"})

    events = [e async for e in env.client.get_workflow_handle(case_id).fetch_history_events()]
    markers = [e.marker_recorded_event_attributes for e in events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    patches = {json.loads(m.details["patch-data"].payloads[0].data)["id"] for m in markers if m.marker_name == "core_patch"}
    assert patches == (set(PATCHES) if generation == 0 else set())
    # either way the patched code ran: projections as local activities, the state and its deadline as expected
    assert sum(m.marker_name == "core_local_activity" for m in markers) == 7
    assert "project" not in {e.activity_task_scheduled_event_attributes.activity_type.name for e in events}
    assert case.state == "rectifying" and case.version == 7
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in {e.event_type for e in events}


async def test_a_worker_refuses_a_case_of_a_newer_generation(env: WorkflowEnvironment, task_queue: str) -> None:
    """Had it run it, it would have recorded the markers a newer worker refuses on replay: the case's workflow
    task fails (and retries, for a newer worker to take) instead; the case itself does not fail."""
    start = CaseStart(case_id="dw-140702-2026-9999", programme=DW.key, profile=DW.default_profile,
                      generation=GENERATION + 1)
    handle = await env.client.start_workflow(DW.key, start, id=start.case_id, task_queue=task_queue)
    failed = None
    for _ in range(100):
        events = [e async for e in handle.fetch_history_events()]
        failed = next((e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED), None)
        if failed:
            break
        await asyncio.sleep(0.05)
    assert failed is not None
    assert f"this worker knows up to {GENERATION}" in failed.workflow_task_failed_event_attributes.failure.message
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    await handle.terminate()
