"""DW-LEAD-UNIQUE across cases, decided by the store's unique claim — never check-then-act."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import DISTRICT, HOST, filing, open_survey
from tests.gateway import fire
from tests.postgres import BACKENDS
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

pytestmark = [pytest.mark.usefixtures("worker"), pytest.mark.parametrize("backend", BACKENDS)]
OTHER_UNIT = "91110000600037341L"


async def cultivating(gw: Gateway, code: str) -> str:
    case = await gw.open(DW, "open_survey", DISTRICT, open_survey(code=code), None)
    await fire(gw, case.id, "begin_cultivation", DISTRICT, {})
    return case.id


async def submit(gw: Gateway, case_id: str, code: str) -> str:
    host = HOST.model_copy(update={"subject": code})
    try:
        await fire(gw, case_id, "submit_filing", host, filing())
        return "ok"
    except Problem as p:
        assert p.status == 409, p.body()
        return p.extra["rule"]


async def test_two_cases_same_lead_at_once_exactly_one_wins(gw: Gateway, store: Store) -> None:
    a, b = await cultivating(gw, "91350100M000100Y43"), await cultivating(gw, OTHER_UNIT)
    results = await asyncio.gather(submit(gw, a, "91350100M000100Y43"), submit(gw, b, OTHER_UNIT))
    assert sorted(results) == ["DW-LEAD-UNIQUE", "ok"]
    loser = b if results[0] == "ok" else a
    assert (await store.get_case(loser)).state == "cultivating"
    assert [h.action for h in await store.history(loser)] == ["open_survey", "begin_cultivation"]


async def test_claim_freed_when_the_holder_withdraws(gw: Gateway) -> None:
    a, b = await cultivating(gw, "91350100M000100Y43"), await cultivating(gw, OTHER_UNIT)
    assert await submit(gw, a, "91350100M000100Y43") == "ok"
    assert await submit(gw, b, OTHER_UNIT) == "DW-LEAD-UNIQUE"
    host_a = HOST.model_copy(update={"subject": "91350100M000100Y43"})
    await fire(gw, a, "withdraw", host_a, {"reason": "合作终止"})
    assert await submit(gw, b, OTHER_UNIT) == "ok"


async def test_store_claim_under_many_concurrent_callers(store: Store) -> None:
    holders = await asyncio.gather(*(store.claim("dw-lead:p1", f"case-{i}") for i in range(20)))
    assert len(set(holders)) == 1  # every caller is told the same single winner
    assert await store.claim("dw-lead:p1", holders[0]) == holders[0]  # the winner may claim again
