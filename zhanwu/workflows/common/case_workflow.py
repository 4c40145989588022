"""The durable life of one case, shared by every programme: actions arrive as Workflow Updates
named after the action, deadlines fire as timers, every accepted change is projected to the store.

Deterministic: no I/O, no wall clock, no web or database imports. The programme's `Lifecycle`
decides everything; this class only sequences it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from zhanwu.schemas.common import (
        ActionRequest,
        Actor,
        AuditEvent,
        Ban,
        BanQuery,
        CaseCarry,
        CaseSnapshot,
        CaseStart,
        ClaimRequest,
        IdempotentAnswer,
        Projection,
        Refusal,
        Role,
    )
    from zhanwu.workflows.common.lifecycle import CaseMachine, Facts, Lifecycle
    from zhanwu.workflows.common.supervision import Supervise, next_step

PROGRAMME = SearchAttributeKey.for_keyword("Programme")
CASE_STATE = SearchAttributeKey.for_keyword("CaseState")
REGION = SearchAttributeKey.for_keyword("Region")
TIER = SearchAttributeKey.for_keyword("Tier")
SEARCH_ATTRIBUTES = (PROGRAMME, CASE_STATE, REGION, TIER)

ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
OPEN_TIMEOUT = timedelta(minutes=10)  # a case whose create never arrives ends unopened
REMEMBERED_ANSWERS = 200  # idempotency keys remembered per case
# What of that memory a new run carries, newest first: each answer is a whole snapshot, and snapshots grow
# with a case's age (its reminders, adjustments), so the run's input stays far under Temporal's payload
# limits (512 KB warns, 2 MB fails the continue-as-new) however old the case
CARRIED_ANSWERS_BYTES = 256 * 1024
HISTORY_LIMIT = 250  # events; continue-as-new past this even if the server does not suggest it (the patch history-bound)
LEGACY_HISTORY_LIMIT = 4000  # the limit of runs started before the patch history-bound

# Each patch and the code generation from which it is assumed. A case opened under generation g (its
# CaseStart.generation, set when it opens and carried across continue-as-new) takes every patch of a
# generation <= g without asking `workflow.patched`, so its runs record no marker (and no TemporalChangeVersion
# upsert) for them; a case opened before (generation 0) asks, as it did, and replays as it ran. A new patch
# goes in with the next generation. Workers go first: a worker refuses a case of a newer generation than
# its own (had it run it, it would have recorded markers that newer code refuses on replay).
PATCHES = {"supervision-ladder": 1, "history-bound": 1, "search-attributes-on-change": 1, "local-projection": 1}
GENERATION = max(PATCHES.values())


@dataclass(frozen=True)
class Due:
    """A system action the case fires by itself at `at`: a deadline's, or a reminder."""

    action: str
    payload: dict[str, Any]
    at: datetime
    summary: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.action, self.at.isoformat(), str(sorted(self.payload.items()))


def refusal_error(refusal: Refusal) -> ApplicationError:
    return ApplicationError(refusal.detail, refusal.model_dump(mode="json"), type="Refusal", non_retryable=True)


class CaseWorkflow:
    lifecycle: ClassVar[Lifecycle]

    @workflow.init
    def __init__(self, start: CaseStart) -> None:
        if start.generation > GENERATION:  # not a failure of the case: its task retries until a newer worker takes it
            raise RuntimeError(f"case of code generation {start.generation}; this worker knows up to {GENERATION}")
        self.start = start
        carried = start.carried
        self.snapshot: CaseSnapshot | None = carried.snapshot if carried else None
        self.answers: dict[str, IdempotentAnswer] = carried.answers if carried else {}
        self.machine: CaseMachine = self.lifecycle.machine(self.snapshot.state if self.snapshot else None)
        self.lock = asyncio.Lock()
        self.boundary = False  # an action that ends a cycle was applied: continue as new

    async def run_case(self, start: CaseStart) -> CaseSnapshot | None:
        try:
            await workflow.wait_condition(lambda: self.snapshot is not None, timeout=OPEN_TIMEOUT)
        except TimeoutError:
            return None
        ladder = self._patched("supervision-ladder")  # runs recorded before the reminders replay without them
        # a run stays short enough to replay quickly, whatever the case's age; runs before it replay as they ran
        self.history_limit = HISTORY_LIMIT if self._patched("history-bound") else LEGACY_HISTORY_LIMIT
        fired: set[tuple[str, str, str]] = set()
        while True:
            case = self._case()
            nxt = self._next(case, ladder)
            if nxt and nxt.key in fired:
                nxt = None
            if case.state in self.lifecycle.finals and nxt is None:  # a final case may still run a ban out
                await workflow.wait_condition(workflow.all_handlers_finished)
                return self._case()
            if self.boundary or self._history_full():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    start.model_copy(update={"carried": CaseCarry(snapshot=self._case(), answers=self._carried())})
                )
            version = case.version
            try:
                await workflow.wait_condition(
                    lambda: self._case().version != version or self._history_full(),  # noqa: B023 - awaited here
                    timeout=max(nxt.at - workflow.now(), timedelta(0)) if nxt else None,
                    timeout_summary=nxt.summary if nxt else None,
                )
            except TimeoutError:
                assert nxt is not None
                fired.add(nxt.key)
                await self._fire(nxt)

    # --- actions -----------------------------------------------------------------------------
    @workflow.update(dynamic=True)
    async def act(self, name: str, args: Sequence[RawValue]) -> CaseSnapshot:
        req = self._request(args)
        if (answer := self._answer(req)) is not None:
            return answer
        async with self.lock:
            facts = self._check(name, req)
            claim = self.lifecycle.by_key[name].claim
            if claim is not None:
                holder = await workflow.execute_activity(
                    "claim", ClaimRequest(key=claim.key(facts), case_id=self.start.case_id), result_type=str,
                    start_to_close_timeout=timedelta(seconds=10), retry_policy=ACTIVITY_RETRY,
                    summary=f"{claim.id} {claim.title_zh}",
                )
                if holder != self.start.case_id:
                    raise refusal_error(claim.refusal(holder))
            screen = self.lifecycle.by_key[name].screen
            if screen is not None:
                bans = await workflow.execute_activity(
                    "bans", BanQuery(subjects=screen.subjects(facts)), result_type=list[Ban],
                    start_to_close_timeout=timedelta(seconds=10), retry_policy=ACTIVITY_RETRY,
                    summary=f"{screen.id} {screen.title_zh}",
                )
                if (refusal := screen.refusal(bans)) is not None:
                    raise refusal_error(refusal)
            snapshot = await self._apply(name, facts)
            if req.idempotency_key and req.request_hash:
                self._remember(req.idempotency_key, IdempotentAnswer(request_hash=req.request_hash, snapshot=snapshot))
            return snapshot

    @act.validator
    def validate(self, name: str, args: Sequence[RawValue]) -> None:
        req = self._request(args)
        if self._answer(req) is None:
            self._check(name, req)

    @workflow.query
    def case(self) -> CaseSnapshot | None:
        return self.snapshot

    def _next(self, case: CaseSnapshot, ladder: bool) -> Due | None:
        """What fires next by itself: the earliest deadline's system action, or a reminder (督办) —
        the deadline's own action first when both fall at the same instant."""
        due = []
        if (timer := self.lifecycle.next_timer(case)) is not None:
            due.append(Due(timer[0].action.value, {}, timer[1], timer[0].zh))
        if ladder and case.state not in self.lifecycle.finals and (step := next_step(case, workflow.now())) is not None:
            reminder, at = step
            label = next(d.label for d in case.deadlines if d.kind == reminder.kind)
            due.append(Due(Supervise.REMIND.value, reminder.model_dump(mode="json"), at, f"{reminder.level.zh} · {label}"))
        return min(due, key=lambda d: (d.at, d.action == Supervise.REMIND.value)) if due else None

    async def _fire(self, due: Due) -> None:
        async with self.lock:
            case = self._case()
            system = Actor(subject="system", role=Role.SYSTEM, region=case.region)
            facts, refusal = self.machine.check(due.action, system, due.payload, workflow.now(), case)
            if refusal is not None or facts is None:
                workflow.logger.info("%s did not fire: %s", due.summary, refusal)
                return
            await self._apply(due.action, facts)

    async def _apply(self, name: str, facts: Facts) -> CaseSnapshot:
        """Apply and publish synchronously, then await the projection (the lock keeps order)."""
        snapshot, event = self.machine.apply(name, facts)
        self.snapshot = snapshot
        self.boundary = self.boundary or self.lifecycle.by_key[name].new_run
        attributes = [PROGRAMME.value_set(snapshot.programme), CASE_STATE.value_set(snapshot.state),
                      REGION.value_set(snapshot.region), TIER.value_set(snapshot.tier or "")]
        current = workflow.info().typed_search_attributes
        # only when one changed (the patch search-attributes-on-change; runs before it upserted every action)
        if not self._patched("search-attributes-on-change") or any(current.get(a.key) != a.value for a in attributes):
            workflow.upsert_search_attributes(attributes)
        workflow.set_current_details(self._details(snapshot, event))
        # A local activity: the worker projects within the action's own workflow task (one task and no
        # activity round trip through the server per action); runs recorded before replay as they ran.
        run = workflow.execute_local_activity if self._patched("local-projection") else workflow.execute_activity
        await run(
            "project", Projection(snapshot=snapshot, event=event, final=snapshot.state in self.lifecycle.finals),
            start_to_close_timeout=timedelta(seconds=10), retry_policy=ACTIVITY_RETRY,
            summary=f"#{event.seq} {event.action}",
        )
        return snapshot

    # --- helpers -----------------------------------------------------------------------------
    def _patched(self, patch: str) -> bool:
        return self.start.generation >= PATCHES[patch] or workflow.patched(patch)

    def _check(self, name: str, req: ActionRequest) -> Facts:
        s = self.start
        case = self.snapshot or CaseSnapshot.blank(s, workflow.now())
        facts, refusal = self.machine.check(name, req.actor, req.payload, workflow.now(), case, req.expected_version,
                                            req.campaign)
        if refusal is not None:
            raise refusal_error(refusal)
        assert facts is not None
        return facts

    def _answer(self, req: ActionRequest) -> CaseSnapshot | None:
        """A retry with a known Idempotency-Key gets the first answer; a reuse with another body is refused."""
        known = self.answers.get(req.idempotency_key or "")
        if known is None:
            return None
        if known.request_hash != req.request_hash:
            raise refusal_error(Refusal(
                kind="idempotency", rule="IDEMPOTENCY_KEY_REUSED",
                detail="this Idempotency-Key was used with another request", detail_zh="该幂等键已用于其他请求",
            ))
        return known.snapshot

    def _remember(self, key: str, answer: IdempotentAnswer) -> None:
        self.answers[key] = answer
        while len(self.answers) > REMEMBERED_ANSWERS:
            del self.answers[next(iter(self.answers))]

    def _carried(self) -> dict[str, IdempotentAnswer]:
        """The newest remembered answers whose snapshots fit CARRIED_ANSWERS_BYTES."""
        kept, size = list[tuple[str, IdempotentAnswer]](), 0
        for key, answer in reversed(self.answers.items()):
            size += len(answer.snapshot.model_dump_json())
            if size > CARRIED_ANSWERS_BYTES:
                break
            kept.append((key, answer))
        return dict(reversed(kept))

    def _request(self, args: Sequence[RawValue]) -> ActionRequest:
        if len(args) != 1:
            raise ApplicationError("an action takes exactly one ActionRequest", type="BadRequest", non_retryable=True)
        return workflow.payload_converter().from_payload(args[0].payload, ActionRequest)

    def _case(self) -> CaseSnapshot:
        assert self.snapshot is not None
        return self.snapshot

    def _details(self, s: CaseSnapshot, e: AuditEvent) -> str:
        lines = [f"**{self.lifecycle.zh}** · {s.title}", f"状态：{self.lifecycle.state_label(s.state)} (`{s.state}`)",
                 f"版本 {s.version} · 最近操作 `{e.action}` by {e.actor.role.zh}"]
        lines += [f"期限 {d.label}: {d.due_at.isoformat()}{' ✓' if d.met else ''}" for d in s.deadlines]
        return "\n\n".join(lines)

    def _history_full(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self.history_limit
