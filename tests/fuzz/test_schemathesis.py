"""Schemathesis over the service's own OpenAPI document, every operation, against the real service
(uvicorn on a port, the real worker and store, the time-skipping Temporal server): valid and invalid
requests generated from the schema, with tokens of every role across the programmes' regions (and
some without a token), path parameters often naming real cases, programmes, actions, score sheets
and subscriptions. Every answer must be no server error, a documented status, of the documented
content type, and conform to the documented schema.

`ZHANWU_FUZZ_EXAMPLES` sets the examples per operation (default 120 in `make test`; raise it for a
longer run)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.kits import KITS, STRANGERS, Kit
from tests.fuzz.stack import Stack
from zhanwu.schemas.common import Actor, Role
from zhanwu.services.api.main import create_app
from zhanwu.workflows.common.score_sheets import SCORE_SHEETS

EXAMPLES = int(os.environ.get("ZHANWU_FUZZ_EXAMPLES", "120"))
SCHEMA = schemathesis.openapi.from_dict(create_app().openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# the time-skipping server answers no DescribeTaskQueue: /readyz says "temporal: unavailable" there, a
# documented 503 (its e2e test sees 200 on the dev server)
NOT_READY = {"GET /readyz"}
ACTORS = sorted({a for kit in KITS.values() for a in (*kit.actors, *kit.driver.actors.values()) if a.role is not Role.SYSTEM}
                | set(STRANGERS), key=lambda a: (a.role.value, a.region, a.subject))


@dataclass(frozen=True)
class Seed:
    kit: Kit
    programme: str
    case_id: str
    subscription_id: str

    @property
    def actors(self) -> list[Actor]:
        return [a for a in (*self.kit.actors, *self.kit.driver.actors.values()) if a.role is not Role.SYSTEM]


@pytest.fixture(scope="module")
def seeds(stack: Stack) -> list[Seed]:
    """One real case per programme and profile, and a subscription of its city, for the path parameters."""
    now, out = datetime.now(UTC), []
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        for (programme, profile), kit in KITS.items():
            create = next(a.key.value for a in kit.driver.lc.actions if a.creates)
            r = http.post(f"/api/v1/programmes/{programme}/cases", params={"profile": profile},
                          json=kit.payload(create, now), headers=stack.headers(kit.creator(create)))
            assert r.status_code == 201, r.text
            city = kit.actor(Role.CITY_OFFICE)
            assert city is not None
            sub = http.post("/api/v1/subscriptions", json={"url": "https://oa.example.gov.cn/hook", "secret": "s" * 16},
                            headers=stack.headers(city))
            assert sub.status_code == 201, sub.text
            out.append(Seed(kit, programme, r.json()["id"], sub.json()["id"]))
    return out


def _path_parameter(name: str, seed: Seed) -> st.SearchStrategy[str]:
    match name:
        case "programme":
            return st.just(seed.programme)
        case "case_id":
            return st.just(seed.case_id)
        case "subscription_id":
            return st.just(seed.subscription_id)
        case "action":
            return st.sampled_from(list(seed.kit.driver.lc.by_key))
        case "key":
            return st.sampled_from(list(SCORE_SHEETS))
    return st.nothing()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_answer_is_documented_and_no_server_error(operation: Any, stack: Stack, seeds: list[Seed]) -> None:
    names = [p.name for p in operation.path_parameters]
    checks = [c for c in CHECKS if not (operation.label in NOT_READY and c is not_a_server_error)]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        seed = data.draw(st.sampled_from(seeds), label="seed")
        # mostly real values (a case of the seed's programme…), now and then Schemathesis' own
        known = {n: _path_parameter(n, seed) for n in names}
        fixed = data.draw(st.one_of(st.fixed_dictionaries(known), st.fixed_dictionaries({}, optional=known)), label="path")
        mode = data.draw(st.sampled_from([GenerationMode.POSITIVE] * 3 + [GenerationMode.NEGATIVE]), label="mode")
        body = NOT_SET
        if "action" in fixed and mode is GenerationMode.POSITIVE and data.draw(st.booleans(), label="valid payload"):
            body = seed.kit.payload(fixed["action"], datetime.now(UTC))
        case = data.draw(operation.as_strategy(mode, path_parameters=fixed or None, body=body), label="case")
        actor = data.draw(st.sampled_from([*seed.actors, *seed.actors, *ACTORS, None]), label="actor")
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers = headers | (stack.headers(actor) if actor else {})
        response = case.call(base_url=stack.base_url, timeout=60)
        case.validate_response(response, checks=checks)

    run()
