"""Drive a lifecycle's real `CaseMachine` in unit tests: check, apply, refuse, walk a path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zhanwu.schemas.common import Actor, CaseSnapshot, CaseStart, Refusal, Role
from zhanwu.workflows.common.calendar import CURRENT
from zhanwu.workflows.common.lifecycle import Facts, Lifecycle


@dataclass
class Driver:
    lc: Lifecycle
    actors: dict[Role, Actor]
    payload_for: Callable[[str, datetime], dict[str, Any]]

    def blank(self, now: datetime, profile: str | None = None, calendar: str = CURRENT.version) -> CaseSnapshot:
        return CaseSnapshot.blank(CaseStart(case_id=f"{self.lc.id_prefix}-test-0001", programme=self.lc.key,
                                            profile=profile or self.lc.default_profile, calendar=calendar), now)

    def check(self, case: CaseSnapshot, action: str, now: datetime, actor: Actor | None = None,
              payload: dict[str, Any] | None = None, **kw: Any) -> tuple[Facts | None, Refusal | None]:
        actor = actor or self.actors[self.lc.by_key[action].roles[0]]
        payload = self.payload_for(action, now) if payload is None else payload
        return self.lc.machine(case.state or None).check(action, actor, payload, now, case, **kw)

    def act(self, case: CaseSnapshot, action: str, now: datetime, actor: Actor | None = None,
            payload: dict[str, Any] | None = None) -> CaseSnapshot:
        """Apply an action that must be accepted."""
        facts, refusal = self.check(case, action, now, actor, payload)
        assert refusal is None, refusal
        assert facts is not None
        new, event = self.lc.machine(case.state or None).apply(action, facts)
        assert event.seq == new.version
        return new

    def refused(self, case: CaseSnapshot, action: str, now: datetime, actor: Actor | None = None,
                payload: dict[str, Any] | None = None, **kw: Any) -> Refusal:
        facts, refusal = self.check(case, action, now, actor, payload, **kw)
        assert refusal is not None, f"{action} was accepted in {case.state!r}"
        assert facts is None
        return refusal

    def walk(self, actions: list[str], now: datetime, case: CaseSnapshot | None = None) -> CaseSnapshot:
        case = case or self.blank(now)
        for action in actions:
            case = self.act(case, action, now)
        return case
