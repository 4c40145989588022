"""The smaller stateful run, through the API and the workflow: per programme and profile, a case opened
over HTTP, then random actions by random actors (the programme's roles, strangers) with valid, damaged
or random payloads, and days passing on the time-skipping server so that deadlines fire. After each
step, once the store has caught up with the workflow:
- no answer is a server error;
- an accepted action (200) moved the case where the table says, and its audit record is the one
  numbered by the answer's version, by that caller;
- a refused one (4xx) changed nothing: no record of it, and the case as it was unless a timer fired;
- the audit holds exactly one record per accepted change: seq 1..version, no gap, no duplicate, and
  the callers' records are exactly the actions this run saw accepted, in order.
Half the steps are any action by anyone; the other half an action the state offers, by a role that
may fire it, with a valid payload, so runs get past the first state. `ZHANWU_FUZZ_EXAMPLES` / 40 runs
(3 by default) of 12 steps per programme."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.fuzz.kits import KITS, STRANGERS
from tests.fuzz.stack import Stack
from tests.fuzz.test_machine_stateful import payloads
from zhanwu.schemas.common import Actor, Role

EXAMPLES = max(2, int(os.environ.get("ZHANWU_FUZZ_EXAMPLES", "120")) // 40)


def api_machine(stack: Stack, programme: str, profile: str) -> type[RuleBasedStateMachine]:
    kit = KITS[(programme, profile)]
    lc = kit.driver.lc
    own = [a for r in Role if r is not Role.SYSTEM and (a := kit.actor(r)) is not None]
    reader = kit.actor(Role.CITY_OFFICE)
    assert reader is not None
    create = next(a.key.value for a in lc.actions if a.creates)

    class ThroughTheApi(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.http = httpx.Client(base_url=stack.base_url, timeout=60)
            while True:
                r = self.http.post(f"/api/v1/programmes/{programme}/cases", params={"profile": profile},
                                   json=kit.payload(create, self.now()),
                                   headers=stack.headers(kit.creator(create)))
                if r.status_code != 409 or not r.json().get("bans"):
                    break
                # an earlier run barred this kit's applicant (the bans outlive their cases): let the bar run out
                left = max(datetime.fromisoformat(b["until"]) for b in r.json()["bans"]) - self.now()
                stack.run(stack.env.sleep(max(left, timedelta(0)) + timedelta(hours=1)))  # type: ignore[union-attr]
            assert r.status_code == 201, r.text
            self.id = r.json()["id"]
            self.accepted: list[tuple[str, str]] = [(create, kit.creator(create).subject)]  # by callers

        def teardown(self) -> None:
            self.http.close()

        def read(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            """The case and its audit from the store, once the store holds the workflow's latest change."""
            handle = stack.env.client.get_workflow_handle(self.id)  # type: ignore[union-attr]
            deadline = time.monotonic() + 30
            while True:
                version = stack.run(handle.query("case"))["version"]
                case = self.http.get(f"/api/v1/cases/{self.id}", headers=stack.headers(reader))
                audit = self.http.get(f"/api/v1/cases/{self.id}/history", headers=stack.headers(reader))
                assert case.status_code == audit.status_code == 200, (case.text, audit.text)
                if case.json()["version"] == version == len(audit.json()["items"]) or time.monotonic() > deadline:
                    return case.json(), audit.json()["items"]
                time.sleep(0.1)

        def attempt(self, action: str, actor: Actor, payload: dict[str, Any]) -> None:
            before, _ = self.read()
            r = self.http.post(f"/api/v1/cases/{self.id}/actions/{action}", json=payload, headers=stack.headers(actor))
            assert r.status_code < 500, r.text
            after, audit = self.read()
            if r.status_code == 200:
                a = lc.by_key[action]
                routes = {b.dest.value for b in a.branches} | {a.dest.value if a.dest else before["state"]}
                answer = r.json()
                assert answer["state"] in routes, f"{action} took {before['state']} to {answer['state']}"
                record = audit[answer["version"] - 1]
                assert (record["action"], record["actor"]["subject"]) == (action, actor.subject)
                self.accepted.append((action, actor.subject))
            else:
                assert 400 <= r.status_code < 500, r.text
                by_system = all(e["actor"]["role"] == "system" for e in audit[before["version"]:])
                assert by_system, f"refused {action} ({r.status_code}) left a record"
                if after["version"] == before["version"]:
                    assert after == before, f"refused {action} ({r.status_code}) changed the case"

        def now(self) -> datetime:
            return stack.run(stack.env.get_current_time())  # type: ignore[union-attr]

        @rule(data=st.data())
        def anything(self, data: st.DataObject) -> None:
            """Any action by anyone (mostly a role that may fire it), with a valid, damaged or random payload."""
            action = data.draw(st.sampled_from(sorted(lc.by_key)), label="action")
            allowed = [a for a in own if a.role in lc.by_key[action].roles]
            actor = data.draw(st.sampled_from(allowed * 2 + own + STRANGERS), label="actor")
            self.attempt(action, actor, data.draw(payloads(kit, action, self.now()), label="payload"))

        @rule(data=st.data())
        def onwards(self, data: st.DataObject) -> None:
            """An action the state offers, by a role that may fire it, with a valid payload: to go deeper."""
            offered = sorted(a.key.value for a in lc.available(self.read()[0]["state"]) if not a.creates)
            moves = [(x, a) for x in offered for a in own if a.role in lc.by_key[x].roles]
            if moves:
                action, actor = data.draw(st.sampled_from(moves), label="move")
                self.attempt(action, actor, kit.payload(action, self.now()))

        @rule(days=st.integers(1, 400))
        def time_passes(self, days: int) -> None:
            stack.run(stack.env.sleep(timedelta(days=days)))  # type: ignore[union-attr]

        @invariant()
        def one_audit_record_per_accepted_change(self) -> None:
            case, audit = self.read()
            assert [e["seq"] for e in audit] == list(range(1, case["version"] + 1))
            assert [(e["action"], e["actor"]["subject"]) for e in audit if e["actor"]["role"] != "system"] == self.accepted

    ThroughTheApi.__name__ = f"ThroughTheApi_{programme}_{profile}"
    return ThroughTheApi


@pytest.mark.parametrize(("programme", "profile"), sorted(KITS))
def test_api_invariants(programme: str, profile: str, stack: Stack) -> None:
    run_state_machine_as_test(api_machine(stack, programme, profile), settings=settings(
        max_examples=EXAMPLES, stateful_step_count=12, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
