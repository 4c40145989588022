"""The worker's Prometheus endpoint serves the Temporal SDK's metrics and the deadlines fired."""

from __future__ import annotations

import socket
from datetime import timedelta

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT, HOST, filing
from tests.gateway import fire
from tests.prometheus import samples
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.services.workers.main import build_worker, metrics_runtime
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW


async def test_worker_exports_sdk_metrics_and_deadlines_fired(env: WorkflowEnvironment, store: Store, task_queue: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = await Client.connect(env.client.service_client.config.target_host, namespace=env.client.namespace,
                                  data_converter=pydantic_data_converter, runtime=metrics_runtime(f"127.0.0.1:{port}"))
    gw = Gateway(client, store, task_queue, timeout_s=30)

    async with build_worker(client, store, task_queue):
        case_id = (await gw.open(DW, "open_survey", DISTRICT, {"unit": {
            "name": "晋中某新材料有限公司", "credit_code": "91350100M000100Y43", "kind": "enterprise",
            "sector": "industry", "region": "140702"}, "intention": "镁合金"}, None)).id
        await fire(gw, case_id, "begin_cultivation", DISTRICT)
        await fire(gw, case_id, "submit_filing", HOST, filing())
        await fire(gw, case_id, "recommend", DISTRICT)
        await fire(gw, case_id, "approve_filing", CITY)
        due = (await env.get_current_time()) + timedelta(days=10)
        await fire(gw, case_id, "issue_rectification", CITY, {"findings": "团队解散", "deadline": due.isoformat()})
        await env.sleep(timedelta(days=11))
        await client.get_workflow_handle(case_id).result()
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    fired = samples(text, "zhanwu_deadlines_fired")
    assert any(dict(k).get("action") == "rectification_expired" and v == 1 for k, v in fired.items()), fired
    assert "temporal_workflow_completed" in text and "temporal_activity_execution_latency" in text
