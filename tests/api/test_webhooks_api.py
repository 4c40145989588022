"""Webhooks: a city office subscribes; each accepted action's event is written to the outbox with its
audit record and reaches a real HTTP receiver on 127.0.0.1 at least once, in case order, signed, after
the receiver was down for a while; dead deliveries are listed and re-driven."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from tests.api.calls import act
from tests.api.test_cases_api import open_case
from tests.factories import CITY, CQ_CITY_OFFICE, DISTRICT, HOST, filing
from tests.prometheus import samples
from tests.receiver import Receiver
from zhanwu.services.store.repository import Store
from zhanwu.services.workers.main import metrics_runtime
from zhanwu.services.workers.relay import Relay
from zhanwu.settings import Settings

URL = "/api/v1/subscriptions"
SECRET = "s3cret-for-jinzhong-oa-0001"
FAST = dict(webhook_backoff_s=0.05, webhook_backoff_max_s=0.2, webhook_poll_s=0.05, webhook_lease_s=5)


@pytest.fixture
async def relay(store: Store) -> AsyncIterator[Callable[..., str]]:
    """Starts the relay (as the worker runs it) with fast retries and its metrics on a Prometheus
    endpoint, whose URL it returns; stopped at the end."""
    stop, tasks, runtimes = asyncio.Event(), [], []

    def start(**settings: object) -> str:
        port = Receiver().port
        runtimes.append(metrics_runtime(f"127.0.0.1:{port}"))  # its endpoint lives as long as it does
        r = Relay(store.webhooks, Settings(**(FAST | settings)), runtimes[-1].metric_meter)
        tasks.append(asyncio.create_task(r.run(stop)))
        return f"http://127.0.0.1:{port}/metrics"

    yield start
    stop.set()
    await asyncio.gather(*tasks)


async def subscribe(api, auth, url: str, actor=CITY, **filters: list[str]) -> str:
    r = await api.post(URL, json={"url": url, "secret": SECRET, **filters}, headers=auth(actor))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never happened")


async def figures(api, auth, sub: str) -> dict[str, int]:
    return (await api.get(f"{URL}/{sub}", headers=auth(CITY))).json()["deliveries"]


async def drive(api, auth, lead: str = "doc-lead-001") -> str:
    """A doctoral workstation from survey to filed: five events."""
    case_id = (await open_case(api, auth))["id"]
    for action, actor, payload in (("begin_cultivation", DISTRICT, None), ("submit_filing", HOST, filing(lead_id=lead)),
                                   ("recommend", DISTRICT, None), ("approve_filing", CITY, None)):
        assert (await act(api, auth, case_id, action, actor, payload)).status_code == 200
    return case_id


async def test_subscriptions_are_a_city_office_s_and_never_show_the_secret(api, auth) -> None:
    r = await api.post(URL, json={"url": "https://oa.example.gov.cn/hook", "secret": SECRET,
                                  "programmes": ["doctoral_workstation"], "actions": ["approve_filing"]},
                       headers=auth(CITY))
    assert r.status_code == 201 and r.headers["Location"] == f"{URL}/{r.json()['id']}"
    sub = r.json()
    assert SECRET not in r.text and "secret" not in sub
    assert sub["city"] == "1407" and sub["deliveries"] == {"pending": 0, "delivered": 0, "dead": 0}
    listed = (await api.get(URL, headers=auth(CITY))).json()
    assert [s["id"] for s in listed] == [sub["id"]] and SECRET not in str(listed)
    assert (await api.get(URL, headers=auth(CQ_CITY_OFFICE))).json() == []
    assert (await api.get(f"{URL}/{sub['id']}", headers=auth(CQ_CITY_OFFICE))).status_code == 404
    assert (await api.delete(f"{URL}/{sub['id']}", headers=auth(CQ_CITY_OFFICE))).status_code == 404
    assert (await api.get(URL, headers=auth(DISTRICT))).status_code == 403
    assert (await api.get(URL)).status_code == 401
    assert (await api.delete(f"{URL}/{sub['id']}", headers=auth(CITY))).status_code == 204
    assert (await api.get(f"{URL}/{sub['id']}", headers=auth(CITY))).status_code == 404
    assert (await api.get(URL, headers=auth(CITY))).json() == []


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://x.example/h", "secret": SECRET}, ["body", "url"]),
    ({"url": "https://x.example/h", "secret": "short"}, ["body", "secret"]),
    ({"url": "https://x.example/h"}, ["body", "secret"]),
    ({"url": "https://x.example/h", "secret": SECRET, "programmes": ["nope"]}, ["body", "programmes", 0]),
    ({"url": "https://x.example/h", "secret": SECRET, "programmes": ["postdoc_workstation"],
      "actions": ["certify", "approve_filing"]}, ["body", "actions", 1]),
    ({"url": "https://x.example/h", "secret": SECRET, "state": "x"}, ["body", "state"]),
])
async def test_bad_subscriptions_name_the_field(api, auth, body, field) -> None:
    r = await api.post(URL, json=body, headers=auth(CITY))
    assert r.status_code == 422 and field in [e["loc"] for e in r.json()["errors"]], r.text
    assert (await api.get(URL, headers=auth(CITY))).json() == []


async def test_events_reach_a_receiver_that_was_down_in_case_order_signed(api, auth, relay) -> None:
    receiver, approvals, other_city = Receiver(), Receiver(), Receiver()
    every = await subscribe(api, auth, receiver.url)
    only_approvals = await subscribe(api, auth, approvals.url, actions=["approve_filing"])
    await subscribe(api, auth, other_city.url, actor=CQ_CITY_OFFICE)
    approvals.up()
    other_city.up()
    relay()
    first, second = await asyncio.gather(drive(api, auth), drive(api, auth, "doc-lead-002"))

    await eventually(lambda: _at_least(api, auth, every, attempts=2))  # the receiver is down: retried, none lost
    page = (await api.get(f"{URL}/{every}/deliveries", headers=auth(CITY))).json()["items"]
    assert page[0]["status"] == "pending" and "ConnectError" in page[0]["last_error"]
    assert receiver.received == []

    receiver.up()
    try:
        await eventually(lambda: _delivered(api, auth, every, 10))
    finally:
        receiver.down()
    for case_id in (first, second):
        history = (await api.get(f"/api/v1/cases/{case_id}/history", headers=auth(CITY))).json()["items"]
        expected = [f"{case_id}:{e['seq']}" for e in history]
        arrived = [e["id"] for e in receiver.events() if e["case_id"] == case_id]
        assert list(dict.fromkeys(arrived)) == expected  # each at least once, in the case's order
    assert all(r.signed_by(SECRET) for r in receiver.received)
    event = receiver.events()[0]
    assert set(event) == {"id", "case_id", "programme", "seq", "action", "from_state", "to_state", "at", "actor", "rules"}
    assert event["programme"] == "doctoral_workstation" and event["actor"]["role"] == "district_office"

    await eventually(lambda: _delivered(api, auth, only_approvals, 2))
    assert sorted(e["case_id"] for e in approvals.events()) == sorted([first, second])
    assert {e["action"] for e in approvals.events()} == {"approve_filing"}
    assert other_city.received == []  # Chongqing's office gets no Jinzhong event


async def test_dead_deliveries_are_listed_and_re_driven(api, auth, relay) -> None:
    receiver = Receiver(status=500)
    receiver.up()
    try:
        sub = await subscribe(api, auth, receiver.url)
        metrics = relay(webhook_max_attempts=2)
        case_id = await drive(api, auth)
        await eventually(lambda: _figures_are(api, auth, sub, {"pending": 0, "delivered": 0, "dead": 5}))
        async with httpx.AsyncClient() as http:
            outcomes = samples((await http.get(metrics)).text, "zhanwu_webhook_deliveries")
        assert {dict(k)["outcome"]: v for k, v in outcomes.items()} == {"failed": 5, "dead": 5}
        dead = (await api.get(f"{URL}/{sub}/deliveries", params={"status": "dead"}, headers=auth(CITY))).json()
        assert [d["event"]["seq"] for d in dead["items"]] == [1, 2, 3, 4, 5]
        assert {(d["attempts"], d["last_error"]) for d in dead["items"]} == {(2, "HTTP 500")}

        receiver.status = 200
        first = dead["items"][0]["id"]
        r = await api.post(f"{URL}/{sub}/redrive", json={"ids": [first]}, headers=auth(CITY))
        assert r.json() == {"redriven": 1}
        await eventually(lambda: _figures_are(api, auth, sub, {"pending": 0, "delivered": 1, "dead": 4}))
        assert (await api.post(f"{URL}/{sub}/redrive", json={}, headers=auth(CITY))).json() == {"redriven": 4}
        await eventually(lambda: _figures_are(api, auth, sub, {"pending": 0, "delivered": 5, "dead": 0}))
        assert [e["id"] for e in receiver.events()] == [f"{case_id}:{n}" for n in range(1, 6)]
        assert (await api.post(f"{URL}/{sub}/redrive", json={}, headers=auth(CQ_CITY_OFFICE))).status_code == 404
        page = (await api.get(f"{URL}/{sub}/deliveries", params={"limit": 2}, headers=auth(CITY))).json()
        rest = (await api.get(f"{URL}/{sub}/deliveries", params={"cursor": page["next_cursor"]}, headers=auth(CITY))).json()
        assert [d["event"]["seq"] for d in page["items"] + rest["items"]] == [1, 2, 3, 4, 5]
    finally:
        receiver.down()


async def _at_least(api, auth, sub: str, attempts: int) -> bool:
    items = (await api.get(f"{URL}/{sub}/deliveries", headers=auth(CITY))).json()["items"]
    return bool(items) and items[0]["attempts"] >= attempts


async def _delivered(api, auth, sub: str, n: int) -> bool:
    return (await figures(api, auth, sub))["delivered"] == n


async def _figures_are(api, auth, sub: str, expected: dict[str, int]) -> bool:
    return await figures(api, auth, sub) == expected
