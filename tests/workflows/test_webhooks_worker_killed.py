"""No event is lost when the worker is killed mid-delivery: a real `zhanwu worker` process (workflows,
projection and webhook relay) is SIGKILLed while a slow receiver takes its events, and a new worker
process delivers the rest — every event at least once, in case order, signed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from tests.factories import CITY, DISTRICT, HOST, filing, open_survey
from tests.gateway import fire
from tests.receiver import Receiver
from zhanwu.schemas.webhooks import SubscriptionRequest
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

SECRET = "kill-test-secret-0123456789"
CASES = 4


def start_worker(env: WorkflowEnvironment, store: Store, task_queue: str, log: Path) -> subprocess.Popen[bytes]:
    environment = os.environ | {
        "ZHANWU_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "ZHANWU_DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
        "ZHANWU_TASK_QUEUE": task_queue, "ZHANWU_WORKER_METRICS_ADDRESS": "",
        "ZHANWU_WEBHOOK_POLL_S": "0.05", "ZHANWU_WEBHOOK_LEASE_S": "1", "ZHANWU_WEBHOOK_BACKOFF_S": "0.05",
    }
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "zhanwu.cli", "worker"], env=environment, stdout=out,
                                stderr=subprocess.STDOUT)


async def test_a_worker_killed_mid_delivery_loses_no_event(env: WorkflowEnvironment, store: Store, gw: Gateway,
                                                           task_queue: str, tmp_path: Path) -> None:
    receiver = Receiver(delay_s=0.15)
    receiver.up()
    sub = await store.webhooks.subscribe(SubscriptionRequest(url=receiver.url, secret=SECRET), "1407", CITY.subject)
    first = start_worker(env, store, task_queue, tmp_path / "worker.log")
    second = None
    try:
        cases = []
        for i in range(CASES):
            case_id = (await gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
            await fire(gw, case_id, "begin_cultivation", DISTRICT)
            await fire(gw, case_id, "submit_filing", HOST, filing(lead_id=f"doc-lead-{i}"))
            await fire(gw, case_id, "recommend", DISTRICT)
            await fire(gw, case_id, "approve_filing", CITY)
            cases.append(case_id)
        expected = 5 * CASES
        while len(receiver.received) < expected // 3:
            await asyncio.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        arrived_before = len(receiver.received)
        assert arrived_before < expected, "the worker was to be killed mid-delivery"

        second = start_worker(env, store, task_queue, tmp_path / "worker.log")
        for _ in range(600):
            if (await store.webhooks.subscription(sub.id, "1407")).deliveries.delivered == expected:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.05)
        figures = (await store.webhooks.subscription(sub.id, "1407")).deliveries  # type: ignore[union-attr]
        assert (figures.delivered, figures.pending, figures.dead) == (expected, 0, 0), (tmp_path / "worker.log").read_text()
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=20)
        receiver.down()

    for case_id in cases:
        history = await store.history(case_id)
        arrived = [e["id"] for e in receiver.events() if e["case_id"] == case_id]
        assert list(dict.fromkeys(arrived)) == [f"{case_id}:{e.seq}" for e in history]
    assert all(r.signed_by(SECRET) for r in receiver.received)
    assert len(receiver.received) >= expected > arrived_before
