"""The only user of `temporalio.client`: opens cases and fires actions as Workflow Updates, and
turns Temporal's answers into `Problem`s."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from zhanwu.schemas.common import ActionRequest, Actor, CaseSnapshot, CaseStart, Refusal
from zhanwu.services.api.errors import JURISDICTION, Problem
from zhanwu.services.api.metrics import Metrics
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common.calendar import CURRENT, local_date
from zhanwu.workflows.common.case_workflow import GENERATION
from zhanwu.workflows.common.lifecycle import Facts, Lifecycle
from zhanwu.workflows.registry import LIFECYCLES

T = TypeVar("T")
BATCH_CONCURRENCY = 8  # cases of one batch in flight at once
TRANSIENT = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)


def unavailable() -> Problem:  # a fresh one each time: a raised exception keeps its traceback
    """Temporal down or slow before the case accepted the action. An action Temporal received may still
    reach its case later, so a retry is safe with the same Idempotency-Key (applied at most once)."""
    return Problem(503, "the workflow service is unavailable; the action was not accepted: try again, with the same "
                   "Idempotency-Key", "流程服务暂不可用，操作未受理：请以同一幂等键稍后重试")


def pending() -> Problem:
    """Accepted by the case, but completing it (the store, a worker) is late: it goes on without the caller."""
    return Problem(503, "the action was accepted by the case and is being completed, but its answer is not ready: "
                   "retry with the same Idempotency-Key for the answer, or read the case",
                   "操作已受理，正在办理，结果暂未就绪：请以同一幂等键重试获取结果，或查询案件", accepted=True)


def request_hash(action: str, payload: Any) -> str:
    return hashlib.sha256(json.dumps([action, payload], sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _checked_create(lifecycle: Lifecycle, action: str, actor: Actor, payload: dict[str, Any], profile: str,
                    now: datetime) -> Facts:
    blank = CaseSnapshot.blank(CaseStart(case_id="", programme=lifecycle.key, profile=profile, calendar=CURRENT.version),
                               now)
    facts, refusal = lifecycle.machine().check(action, actor, payload, now, blank)
    if refusal is not None:
        raise Problem.from_refusal(refusal)
    assert facts is not None
    return facts


class Gateway:
    def __init__(self, client: Client, store: Store, task_queue: str, timeout_s: float,
                 metrics: Metrics | None = None, result_timeout_s: float | None = None) -> None:
        """timeout_s bounds each call until the case has accepted an action (nothing is changed before);
        result_timeout_s (default: the same) how long an accepted action's answer is then awaited."""
        self.client, self.store, self.task_queue, self.timeout_s = client, store, task_queue, timeout_s
        self.result_timeout_s = timeout_s if result_timeout_s is None else result_timeout_s
        self.metrics = metrics

    async def open(
        self, lifecycle: Lifecycle, action: str, actor: Actor, payload: dict[str, Any], key: str | None,
        profile: str | None = None,
    ) -> CaseSnapshot:
        return await self._counted(lifecycle, action, self._open(lifecycle, action, actor, payload, key, profile))

    async def act(
        self, lifecycle: Lifecycle, case: CaseSnapshot, action: str, actor: Actor, payload: dict[str, Any],
        key: str | None, expected_version: int | None, campaign: str | None = None,
    ) -> CaseSnapshot:
        return await self._counted(lifecycle, action, self._act(lifecycle, case, action, actor, payload, key,
                                                                expected_version, campaign))

    async def _open(
        self, lifecycle: Lifecycle, action: str, actor: Actor, payload: dict[str, Any], key: str | None,
        profile: str | None,
    ) -> CaseSnapshot:
        now = datetime.now(UTC)
        facts = _checked_create(lifecycle, action, actor, payload, profile or lifecycle.default_profile, now)
        if profile is None:  # the profile of the case's region, known once its draft is
            profile = lifecycle.profile_for(facts.case.region)
            if profile != facts.case.profile:
                facts = _checked_create(lifecycle, action, actor, payload, profile, now)
        regions = lifecycle.profiles[profile].get("regions")
        if regions and not facts.case.region.startswith(tuple(regions)):
            raise Problem(422, f"profile {profile} applies in regions {regions}, not {facts.case.region}",
                          f"政策版本 {profile} 不适用于地区 {facts.case.region}",
                          errors=[{"loc": ["query", "profile"], "msg": f"applies in {regions}", "type": "value_error"}])
        draft, digest = facts.case, request_hash(action, [profile, payload])
        case_id = await self._case_id(lifecycle, draft, actor, key, digest, now)
        start = CaseStart(case_id=case_id, programme=lifecycle.key, profile=profile, calendar=CURRENT.version,
                          generation=GENERATION)
        op: WithStartWorkflowOperation[Any, CaseSnapshot | None] = WithStartWorkflowOperation(
            lifecycle.key, start, id=case_id, task_queue=self.task_queue, result_type=CaseSnapshot,  # type = programme
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            static_summary=f"{lifecycle.zh} · {draft.title or case_id}",
            static_details=f"{case_id} · {lifecycle.en} · region {draft.region}",
        )
        return await self._update(
            self.client.start_update_with_start_workflow(
                action, self._request(actor, payload, key, digest), start_workflow_operation=op,
                wait_for_stage=WorkflowUpdateStage.ACCEPTED, id=self._update_id(key, digest), result_type=CaseSnapshot,
            )
        )

    async def _act(
        self, lifecycle: Lifecycle, case: CaseSnapshot, action: str, actor: Actor, payload: dict[str, Any],
        key: str | None, expected_version: int | None, campaign: str | None,
    ) -> CaseSnapshot:
        # refusals that do not depend on how fresh the store is are answered here; the rest by the case
        _, refusal = lifecycle.machine(case.state).check(action, actor, payload, datetime.now(UTC), case,
                                                         campaign=campaign)
        if refusal is not None and refusal.kind in ("not_found", "forbidden", "invalid"):
            raise Problem.from_refusal(refusal)
        digest = request_hash(action, payload)
        handle = self.client.get_workflow_handle(case.id)
        try:
            return await self._update(
                handle.start_update(
                    action, self._request(actor, payload, key, digest, expected_version, campaign),
                    wait_for_stage=WorkflowUpdateStage.ACCEPTED, id=self._update_id(key, digest),
                    result_type=CaseSnapshot,
                )
            )
        except RPCError as e:
            if e.status is RPCStatusCode.NOT_FOUND:  # the case's workflow has completed: a final state
                raise Problem.from_refusal(lifecycle.machine(case.state).state_refusal(action, actor, case)) from None
            raise

    async def act_many(
        self, lifecycle: Lifecycle, action: str, actor: Actor, payloads: dict[str, dict[str, Any]],
        key: str | None, campaign: str | None = None,
    ) -> dict[str, CaseSnapshot | Problem]:
        """One action on many cases, each with its payload (a certification round, an evaluation
        campaign's results): each case moves on its own and answers for itself, so one refusal blocks
        no other. With an Idempotency-Key every case remembers its answer, so retrying the whole
        batch applies nothing twice."""
        gate = asyncio.Semaphore(BATCH_CONCURRENCY)

        async def one(case_id: str, payload: dict[str, Any]) -> CaseSnapshot | Problem:
            async with gate:
                try:
                    case = await visible_case(self.store, case_id, actor, lifecycle.key)
                    return await self.act(lifecycle, case, action, actor, payload, key, None, campaign)
                except Problem as p:
                    return p

        answers = await asyncio.gather(*(one(c, p) for c, p in payloads.items()))
        return dict(zip(payloads, answers, strict=True))

    async def worker_polling(self) -> bool:
        resp = await self._bounded(self.client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(namespace=self.client.namespace, task_queue=TaskQueue(name=self.task_queue),
                                     task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
        ))
        return len(resp.pollers) > 0

    # --- helpers -----------------------------------------------------------------------------
    async def _counted(self, lc: Lifecycle, action: str, call: Awaitable[CaseSnapshot]) -> CaseSnapshot:
        """Count the action's outcome: accepted, or refused by its rule (or its status: 404, 503…)."""
        try:
            snapshot = await call
        except Problem as p:
            if self.metrics:
                self.metrics.action(lc.key, action, str(p.extra.get("rule") or p.status))
            raise
        if self.metrics:
            self.metrics.action(lc.key, action)
        return snapshot

    async def _case_id(
        self, lc: Lifecycle, draft: CaseSnapshot, actor: Actor, key: str | None, digest: str, now: datetime
    ) -> str:
        if key:
            known = await self.store.find_open_request(actor.subject, key)
            if known is not None:
                if known[1] != digest:
                    raise _key_reused()
                return known[0]
        year = local_date(now).year
        n = await self.store.next_case_number(f"{lc.id_prefix}-{draft.region}-{year}")
        case_id = f"{lc.id_prefix}-{draft.region}-{year}-{n:04d}"
        if key:
            case_id, stored = await self.store.open_request(actor.subject, key, digest, case_id)
            if stored != digest:
                raise _key_reused()
        return case_id

    @staticmethod
    def _request(actor: Actor, payload: dict[str, Any], key: str | None, digest: str,
                 expected_version: int | None = None, campaign: str | None = None) -> ActionRequest:
        return ActionRequest(actor=actor, payload=payload, idempotency_key=key, request_hash=digest,
                             expected_version=expected_version, campaign=campaign)

    @staticmethod
    def _update_id(key: str | None, digest: str) -> str:
        # the body's hash is part of the id, so a reused key with another body is not deduplicated
        # by Temporal but reaches the workflow, which refuses it
        return f"{key}:{digest[:16]}" if key else str(uuid.uuid4())

    async def _bounded(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, self.timeout_s)
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            raise unavailable() from None
        except RPCError as e:
            if e.status in TRANSIENT:
                raise unavailable() from None
            raise
        except RuntimeError as e:  # the lazy client's first connect failed
            if str(e).startswith("Failed client connect"):
                raise unavailable() from None
            raise

    async def _update(self, start: Awaitable[WorkflowUpdateHandle[CaseSnapshot]]) -> CaseSnapshot:
        """Send the action and await its answer. Until the case accepts it nothing has changed (503:
        try again); once accepted it will be applied and recorded, and its answer may be late (the
        projection retries while the store is down, a killed worker's task is taken over): it is
        awaited up to result_timeout_s, a delayed success, else 503 saying it was accepted."""
        try:
            handle = await self._bounded(start)
            try:
                return await asyncio.wait_for(handle.result(), self.result_timeout_s)
            except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
                raise pending() from None
            except RPCError as e:
                if e.status in TRANSIENT:
                    raise pending() from None
                raise
        except WorkflowUpdateFailedError as e:
            cause = e.cause
            if isinstance(cause, ApplicationError) and cause.type == "Refusal" and cause.details:
                raise Problem.from_refusal(Refusal.model_validate(cause.details[0])) from None
            raise


async def visible_case(store: Store, case_id: str, actor: Actor, programme: str | None = None) -> CaseSnapshot:
    """The case from the read model, or 404 when it does not exist, lies outside the actor's
    jurisdiction (saying so would leak it) or belongs to another programme than the one asked."""
    case = await store.get_case(case_id)
    if case is None or (programme and case.programme != programme):
        raise Problem(404, f"case {case_id} not found", "案件不存在")
    if not LIFECYCLES[case.programme].visible(actor, case):
        raise Problem(404, f"case {case_id} not found", "案件不存在", audit=JURISDICTION)
    return case


def _key_reused() -> Problem:
    return Problem(422, "this Idempotency-Key was used with another request", "该幂等键已用于其他请求",
                   rule="IDEMPOTENCY_KEY_REUSED")
