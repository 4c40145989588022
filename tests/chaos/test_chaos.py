"""The fault-injection scenarios of `chaos/` in their short versions (`make chaos` runs the long ones):
real processes over HTTP on 127.0.0.1. Each scenario checks every run itself — end state, contiguous
audit with each action once, read model equal to the workflow, no failed workflow, deadlines fired once
and not early — and returns non-zero on any violation, which it prints with its figures."""

from __future__ import annotations

import os

import pytest

from chaos import server_restart, store_outage, worker_kills
from tests.postgres import find_bindir

pytestmark = pytest.mark.e2e


async def test_lifecycles_survive_worker_kills() -> None:
    assert await worker_kills.scenario(runs=20, spread_s=20, min_kills=3, kill_every_s=(2, 10), seed=1) == 0


async def test_deadlines_fire_once_and_not_early_across_a_server_restart() -> None:
    assert await server_restart.scenario(cases=10, restarts=1, lead_s=15, spread_s=10, down_s=5) == 0


async def test_a_store_outage_delays_or_refuses_actions_and_everything_converges() -> None:
    if find_bindir() is None:
        pytest.skip(os.environ.get("ZHANWU_POSTGRES_NOTE") or "PostgreSQL not available: initdb not found "
                    "(scripts/ensure-postgres installs it)")
    assert await store_outage.scenario(clients=4, before_s=8, outage_s=5, after_s=8, seed=1) == 0
