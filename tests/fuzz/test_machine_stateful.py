"""Hypothesis stateful tests over each programme's pure machine (every programme and profile): random
actions by random actors (each role of the programme's region, strangers, the system) with valid,
damaged or random payloads, and time passing with the deadlines firing as the workflow fires them.
After each step: a refused action changed nothing (not even the case it was checked against); an
accepted one moved the case as the table says (its destination, a branch's, or where it was),
raised the version by one and made exactly one audit event numbered by it; and a final state
absorbs: only an action the table opens to final states (lifting a ban) is accepted there, and the
case stays in it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.fuzz.kits import KITS, STRANGERS, Kit
from zhanwu.schemas.common import Actor, AuditEvent, CaseSnapshot, Refusal, Role

EXAMPLES = int(os.environ.get("ZHANWU_FUZZ_EXAMPLES", "120")) // 6  # runs of 60 steps
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 Asia/Shanghai
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**6), st.text(max_size=12), st.just("2026-13-45"),
                   st.lists(st.text(max_size=4), max_size=2))


def payloads(kit: Kit, action: str, now: datetime) -> st.SearchStrategy[dict[str, Any]]:
    """The action's valid payload, the same with one field removed or replaced, or anything."""
    valid = kit.payload(action, now)
    keys = sorted(valid)
    damaged = [st.sampled_from(keys).map(lambda k: {x: v for x, v in valid.items() if x != k}),
               st.tuples(st.sampled_from(keys), VALUES).map(lambda kv: valid | {kv[0]: kv[1]})] if keys else []
    return st.one_of(st.just(valid), st.just(valid), st.just(valid), *damaged, st.dictionaries(st.text(max_size=8), VALUES, max_size=3))


def machine_for(programme: str, profile: str) -> type[RuleBasedStateMachine]:
    kit = KITS[(programme, profile)]
    lc = kit.driver.lc
    finals = {s.value for s in lc.finals}
    on_finals = {k for k, a in lc.by_key.items() if {s.value for s in a.sources} & finals}
    own = [a for r in Role if r is not Role.SYSTEM and (a := kit.actor(r)) is not None]

    class Programme(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.now = NOW
            self.case: CaseSnapshot | None = None
            self.events: list[AuditEvent] = []

        def attempt(self, action: str, actor: Actor, payload: dict[str, Any]) -> Refusal | None:
            case = self.case or kit.driver.blank(self.now, profile)
            before = case.model_dump()
            state = self.case.state if self.case else None
            machine = lc.machine(state)
            facts, refusal = machine.check(action, actor, payload, self.now, case)
            assert case.model_dump() == before, "checking changed the case"
            if refusal is not None:
                assert facts is None
                return refusal
            assert facts is not None
            new, event = machine.apply(action, facts)
            assert case.model_dump() == before, "applying changed the case it started from"
            a = lc.by_key[action]
            routes = {b.dest.value for b in a.branches} | {a.dest.value if a.dest else state}
            assert new.state in routes, f"{action} took {state} to {new.state}, not to one of {routes}"
            if state in finals:
                assert action in on_finals and new.state == state, f"{action} accepted in final state {state}"
            assert (event.from_state, event.to_state, event.action) == (state, new.state, action)
            assert new.version == event.seq == len(self.events) + 1
            self.case = new
            self.events.append(event)
            return None

        @rule(data=st.data())
        def act(self, data: st.DataObject) -> None:
            # mostly what the state offers, by a role that may fire it; now and then anything, by anyone
            offered = sorted(a.key.value for a in lc.available(self.case.state if self.case else None))
            action = data.draw(st.sampled_from(offered * 3 + sorted(lc.by_key)), label="action")
            region = self.case.region if self.case and self.case.region else own[0].region
            system = Actor(subject="system", role=Role.SYSTEM, region=region)
            allowed = [a for a in [*own, system] if a.role in lc.by_key[action].roles]
            actor = data.draw(st.sampled_from(allowed * 4 + [*own, *STRANGERS, system]), label="actor")
            self.attempt(action, actor, data.draw(payloads(kit, action, self.now), label="payload"))

        @rule(days=st.integers(0, 400))
        def time_passes(self, days: int) -> None:
            """Days pass; each deadline that falls due fires its system action, as the workflow's timer does."""
            until = self.now + timedelta(days=days)
            while self.case is not None and (nxt := lc.next_timer(self.case)) is not None and nxt[1] <= until:
                self.now = max(self.now, nxt[1])
                system = Actor(subject="system", role=Role.SYSTEM, region=self.case.region)
                if self.attempt(nxt[0].action.value, system, {}) is not None:
                    break  # the workflow logs a timer that may not fire and waits for the next change
            self.now = until

        @invariant()
        def one_audit_event_per_accepted_action(self) -> None:
            assert [e.seq for e in self.events] == list(range(1, len(self.events) + 1))
            assert (self.case.version if self.case else 0) == len(self.events)

    Programme.__name__ = f"Programme_{programme}_{profile}"
    return Programme


@pytest.mark.parametrize(("programme", "profile"), sorted(KITS))
def test_machine_invariants(programme: str, profile: str) -> None:
    run_state_machine_as_test(machine_for(programme, profile), settings=settings(
        max_examples=EXAMPLES, stateful_step_count=60, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))


def test_final_states_absorb_by_the_table() -> None:
    """Only `lift_ban` (a ban the case imposed runs out, even once it ended) is open in a final state."""
    for (programme, _), kit in KITS.items():
        lc = kit.driver.lc
        finals = set(lc.finals)
        assert {k for k, a in lc.by_key.items() if finals & set(a.sources)} <= {"lift_ban"}, programme
        assert all(not (a.branches or a.dest) for a in lc.by_key.values() if finals & set(a.sources))
