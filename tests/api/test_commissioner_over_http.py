"""One commissioner from registration to the term's end over real HTTP: the API served by uvicorn on a
127.0.0.1 port (a real socket, real headers), the real worker and store, on the time-skipping server
so that the notice period and the year of service pass in seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.api.calls import served
from tests.factories import BT_CITY_OFFICE, BT_FIRM, cm_actor, cm_agreement, cm_matching, registration
from zhanwu.schemas.common import Role
from zhanwu.services.api.main import create_app
from zhanwu.services.store.repository import Store
from zhanwu.settings import Settings

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def http(settings: Settings, env: WorkflowEnvironment, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    async with served(create_app(settings, client=env.client, store=store)) as url, \
            httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield client


async def test_a_commissioner_from_registration_to_ended(http: httpx.AsyncClient, auth: Any,
                                                         env: WorkflowEnvironment) -> None:
    applicant, station = cm_actor(Role.APPLICANT), cm_actor(Role.STATION, "150200")

    async def act(case_id: str, action: str, actor: Any, payload: dict[str, Any]) -> dict[str, Any]:
        r = await http.post(f"/api/v1/cases/{case_id}/actions/{action}", json=payload, headers=auth(actor))
        assert r.status_code == 200, r.text
        return r.json()

    r = await http.post("/api/v1/programmes/commissioner/cases", json=registration(), headers=auth(applicant))
    assert r.status_code == 201 and r.json()["profile"] == "inner_mongolia@1", r.text
    case_id = r.json()["id"]
    refused = await http.post(f"/api/v1/cases/{case_id}/actions/approve", json={"note": "同意"},
                              headers=auth(cm_actor(Role.APPLICANT)))
    assert refused.status_code == 403
    await act(case_id, "approve", station, {"note": "工作站审核同意"})
    await act(case_id, "match", BT_CITY_OFFICE, cm_matching(BT_FIRM))
    notice = await act(case_id, "start_public_notice", BT_CITY_OFFICE, {})
    assert [d["kind"] for d in notice["deadlines"]] == ["public_notice"]
    await env.sleep(timedelta(days=12))
    case = (await http.get(f"/api/v1/cases/{case_id}", headers=auth(BT_CITY_OFFICE))).json()
    assert case["state"] == "appointed"
    for who in (cm_actor(Role.DISPATCHING_UNIT, "150200"), cm_actor(Role.HOST_UNIT), applicant):
        case = await act(case_id, "sign_agreement", who, cm_agreement())
    assert case["state"] == "in_service"
    await act(case_id, "log_service", applicant, {"on": "2026-12-15", "days": 31, "enterprise": BT_FIRM, "work": "现场"})
    await act(case_id, "submit_report", applicant, {"report": "上半年工作小结"})
    await env.sleep(timedelta(days=370))
    history = (await http.get(f"/api/v1/cases/{case_id}/history", headers=auth(BT_CITY_OFFICE))).json()
    actions = [h["action"] for h in history["items"]]
    assert actions[-1] == "term_ended" and "notice_ended" in actions and "report_overdue" in actions
    case = (await http.get(f"/api/v1/cases/{case_id}", headers=auth(BT_CITY_OFFICE))).json()
    assert case["state"] == "ended" and case["deadlines"] == []
