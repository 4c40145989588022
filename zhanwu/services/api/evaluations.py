"""Annual evaluation campaigns: a round's results are checked together — every case may take its
result now, and the quotas hold across the round — then kept once in the store, then delivered to
each case as the programme's campaign action, which only a campaign may fire.

The round's id is `ev-<prefix>-<region>-<round>`, so a region evaluates a round once. Delivery is
idempotent per case (the round's id is each case's Idempotency-Key): if the API stops half-way, the
same request again delivers the rest and answers as the first would have; other results for a round
already kept are refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from zhanwu.schemas.common import Actor, CaseSnapshot, region_prefix
from zhanwu.schemas.evaluations import EvaluationRecord, EvaluationRequest
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway, request_hash, visible_case
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common.lifecycle import Campaign, Lifecycle


def campaign_of(lc: Lifecycle) -> Campaign:
    if lc.campaign is None:
        raise Problem(404, f"{lc.key} has no evaluation campaigns", "该项目不开展年度评价")
    return lc.campaign


async def evaluate(
    gw: Gateway, lc: Lifecycle, actor: Actor, req: EvaluationRequest
) -> tuple[EvaluationRecord, dict[str, CaseSnapshot | Problem]]:
    campaign = campaign_of(lc)
    action = lc.by_key[campaign.action.value]
    if actor.role not in action.roles:
        raise Problem(403, f"role {actor.role.value} may not run an evaluation campaign",
                      f"角色“{actor.role.zh}”无权开展年度评价", allowed_roles=[r.value for r in action.roles])
    results = [r.value for r in campaign.results]
    bad = [i for i, e in enumerate(req.entries) if e.result not in results]
    if bad:
        raise Problem(422, f"result must be one of {results}", f"评价结果须为：{'、'.join(r.zh for r in campaign.results)}",
                      errors=[{"loc": ["body", "entries", i, "result"], "msg": f"one of {results}", "type": "enum"}
                              for i in bad])
    evaluation_id = f"ev-{lc.id_prefix}-{actor.region}-{req.round}"
    payloads = {e.case_id: {"result": e.result, "round": req.round, "comment": e.comment} for e in req.entries}
    digest = request_hash(action.key.value, req.model_dump(mode="json"))
    kept = await gw.store.get_evaluation(evaluation_id)
    if kept is None:
        kept = await gw.store.record_evaluation(await _decide(gw, lc, campaign, actor, req, evaluation_id, payloads,
                                                              digest))
    if kept.request_hash != digest:
        raise Problem(409, f"round {req.round} of region {actor.region} was evaluated with other results",
                      f"本地区“{req.round}”批次已评价，结果不可更改", rule="EVALUATION-ROUND", evaluation=evaluation_id)
    answers = await gw.act_many(lc, action.key.value, actor, payloads, evaluation_id, campaign=evaluation_id)
    return kept, answers


async def _decide(
    gw: Gateway, lc: Lifecycle, campaign: Campaign, actor: Actor, req: EvaluationRequest, evaluation_id: str,
    payloads: dict[str, dict[str, Any]], digest: str,
) -> EvaluationRecord:
    """Every case may take its result now (else the round is refused naming the entry), the round is
    of one profile, and its quotas hold; returns the round as decided."""
    now, profiles = datetime.now(UTC), set()
    for i, entry in enumerate(req.entries):
        try:
            case = await visible_case(gw.store, entry.case_id, actor, lc.key)
        except Problem as missing:
            raise Problem(missing.status, missing.detail, missing.detail_zh, entry=i, case_id=entry.case_id) from None
        _, refusal = lc.machine(case.state).check(campaign.action.value, actor, payloads[entry.case_id], now, case,
                                                  campaign=evaluation_id)
        if refusal is not None:
            refused = Problem.from_refusal(refusal)
            raise Problem(refused.status, f"entry {i} ({entry.case_id}): {refused.detail}", refused.detail_zh,
                          refused.type, **refused.extra, entry=i, case_id=entry.case_id)
        profiles.add(case.profile)
    if len(profiles) > 1:
        raise Problem(409, f"a round evaluates cases of one policy profile, not {sorted(profiles)}",
                      "同一评价批次的案件须适用同一政策版本", rule="EVALUATION-PROFILE", profiles=sorted(profiles))
    (profile,) = profiles
    grades = [e.result for e in req.entries]
    for quota in campaign.quotas:
        if (refusal := quota.refusal(grades, lc.profiles[profile])) is not None:
            raise Problem.from_refusal(refusal)
    figures = {"evaluated": len(grades), "results": {r.value: grades.count(r.value) for r in campaign.results},
               "quotas": [{"rule": q.id, "clause": q.clause, "result": q.result.value,
                           "percent": lc.profiles[profile][q.percent_key], "allowed": q.allowed(len(grades), lc.profiles[profile])}
                          for q in campaign.quotas]}
    return EvaluationRecord(
        id=evaluation_id, programme=lc.key, region=actor.region, round=req.round, profile=profile, request_hash=digest,
        actor_subject=actor.subject, actor_role=actor.role.value, entries=req.entries, figures=figures, created_at=now,
    )


async def read(store: Store, lc: Lifecycle, actor: Actor, evaluation_id: str) -> tuple[EvaluationRecord, set[str]]:
    """A round the actor may see (an office of the campaign's roles covering its region), and the
    cases that have recorded their result."""
    campaign = campaign_of(lc)
    record = await store.get_evaluation(evaluation_id)
    if (record is None or record.programme != lc.key or actor.role not in lc.by_key[campaign.action.value].roles
            or not record.region.startswith(region_prefix(actor.region))):
        raise Problem(404, f"evaluation {evaluation_id} not found", "评价批次不存在")
    return record, await store.recorded([e.case_id for e in record.entries], campaign.action.value, record.round)
