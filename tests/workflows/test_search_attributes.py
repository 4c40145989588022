"""The case's search attributes (Programme, CaseState, Region, Tier: what operators filter by in the
Temporal UI) follow the case, and are upserted only by an action that changes one of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT
from tests.gateway import fire
from tests.workflows.test_doctoral_workstation import filed_case
from zhanwu.services.api.gateway import Gateway
from zhanwu.workflows.common.case_workflow import CASE_STATE, PROGRAMME, REGION, TIER

pytestmark = pytest.mark.usefixtures("worker")


async def test_upserted_only_when_one_changes(gw: Gateway, env: WorkflowEnvironment) -> None:
    case_id = await filed_case(gw)  # five actions, each a new state
    deadline = (await env.get_current_time()) + timedelta(days=30)
    await fire(gw, case_id, "issue_rectification", CITY, {"findings": "团队解散", "deadline": deadline.isoformat()})
    for action in ("suspend_deadline", "resume_deadline"):  # the state, tier and region stay
        await fire(gw, case_id, action, DISTRICT, {"kind": "rectification", "reason": "负责人住院"})
    handle = env.client.get_workflow_handle(case_id)
    events = [e async for e in handle.fetch_history_events()]
    upserts = [e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields for e in events
               if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]
    assert sum(CASE_STATE.name in fields for fields in upserts) == 6  # not the patches' own TemporalChangeVersion
    attributes = (await handle.describe()).typed_search_attributes
    assert [attributes.get(k) for k in (PROGRAMME, CASE_STATE, REGION, TIER)] == [
        "doctoral_workstation", "rectifying", "140702", "key_improvement"]
