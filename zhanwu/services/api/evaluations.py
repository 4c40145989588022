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

from zhanwu.schemas.common import Actor, CaseSnapshot, Refusal, region_prefix
from zhanwu.schemas.evaluations import DecidedEntry, EvaluationRecord, EvaluationRequest
from zhanwu.services.api.errors import Problem
from zhanwu.services.api.gateway import Gateway, request_hash, visible_case
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common.lifecycle import Campaign, Lifecycle
from zhanwu.workflows.common.score_sheets import SCORE_SHEETS, ScoreSheet


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
    _unprocessable([(i, "result", f"one of {results}") for i, e in enumerate(req.entries)
                    if e.result is not None and e.result not in results],
                   f"result must be one of {results}", f"评价结果须为：{'、'.join(r.zh for r in campaign.results)}")
    evaluation_id = f"ev-{lc.id_prefix}-{actor.region}-{req.round}"
    digest = request_hash(action.key.value, req.model_dump(mode="json"))
    kept = await gw.store.get_evaluation(evaluation_id)
    if kept is None:
        kept = await gw.store.record_evaluation(await _decide(gw, lc, campaign, actor, req, evaluation_id, digest))
    if kept.request_hash != digest:
        raise Problem(409, f"round {req.round} of region {actor.region} was evaluated with other results",
                      f"本地区“{req.round}”批次已评价，结果不可更改", rule="EVALUATION-ROUND", evaluation=evaluation_id)
    payloads = {e.case_id: e.payload(kept.round) for e in kept.entries}
    answers = await gw.act_many(lc, action.key.value, actor, payloads, evaluation_id, campaign=evaluation_id)
    return kept, answers


async def _decide(
    gw: Gateway, lc: Lifecycle, campaign: Campaign, actor: Actor, req: EvaluationRequest, evaluation_id: str,
    digest: str,
) -> EvaluationRecord:
    """The round is of one profile; its entries are graded (by the profile's score sheet, where it
    names one); every case must be able to take its result now (else the round is refused naming
    the entry); then the quotas hold the round. Returns the round as decided."""
    now = datetime.now(UTC)
    cases = [await _entry_case(gw, lc, actor, i, e.case_id) for i, e in enumerate(req.entries)]
    profiles = sorted({c.profile for c in cases})
    if len(profiles) > 1:
        raise Problem(409, f"a round evaluates cases of one policy profile, not {profiles}",
                      "同一评价批次的案件须适用同一政策版本", rule="EVALUATION-PROFILE", profiles=profiles)
    profile = lc.profiles[profiles[0]]
    entries = _graded(req, SCORE_SHEETS.get(profile.get("score_sheet") or ""))
    for i, (e, case) in enumerate(zip(entries, cases, strict=True)):
        _, refusal = lc.machine(case.state).check(campaign.action.value, actor, e.payload(req.round), now, case,
                                                  campaign=evaluation_id)
        if refusal is not None:
            refused = Problem.from_refusal(refusal)
            raise Problem(refused.status, f"entry {i} ({e.case_id}): {refused.detail}", refused.detail_zh,
                          refused.type, audit=refused.audit, **refused.extra, entry=i, case_id=e.case_id)
    quotas = [q for q in campaign.quotas if profile.get(q.percent_key) is not None]  # a profile may set none
    for quota in quotas:
        held = quota.apply([e.result for e in entries], [e.score for e in entries], profile)
        if isinstance(held, Refusal):
            raise Problem.from_refusal(held)
        for e, r in zip(entries, held, strict=True):
            if r != e.result:
                e.result, e.demoted_by = r, quota.id
    grades = [e.result for e in entries]
    figures = {"evaluated": len(grades), "results": {r.value: grades.count(r.value) for r in campaign.results},
               "quotas": [{"rule": q.id, "clause": q.clause, "result": q.result.value, "percent": profile[q.percent_key],
                           "allowed": q.allowed(len(grades), profile),
                           "held": sum(e.demoted_by == q.id for e in entries)} for q in quotas],
               "score_sheet": profile.get("score_sheet")}
    return EvaluationRecord(
        id=evaluation_id, programme=lc.key, region=actor.region, round=req.round, profile=profiles[0],
        request_hash=digest, actor_subject=actor.subject, actor_role=actor.role.value, entries=entries,
        figures=figures, created_at=now,
    )


async def _entry_case(gw: Gateway, lc: Lifecycle, actor: Actor, i: int, case_id: str) -> CaseSnapshot:
    try:
        return await visible_case(gw.store, case_id, actor, lc.key)
    except Problem as missing:
        raise Problem(missing.status, missing.detail, missing.detail_zh, audit=missing.audit, entry=i,
                      case_id=case_id) from None


def _graded(req: EvaluationRequest, sheet: ScoreSheet | None) -> list[DecidedEntry]:
    """Each entry with its result: where the profile scores, the sheet grades the counts (and the
    total ranks the entry); elsewhere the result is given."""
    if sheet is None:
        _unprocessable([(i, "result", "required: this profile takes results directly")
                        for i, e in enumerate(req.entries) if e.result is None]
                       + [(i, "counts", "not taken: this profile takes results directly")
                          for i, e in enumerate(req.entries) if e.counts is not None],
                       "each entry gives its result", "每条评价须给出评价结果")
        return [DecidedEntry.model_validate(e.model_dump()) for e in req.entries]
    _unprocessable([(i, "counts", f"required: scored by {sheet.key}") for i, e in enumerate(req.entries)
                    if e.counts is None]
                   + [(i, "result", f"not taken: graded by {sheet.key}") for i, e in enumerate(req.entries)
                      if e.result is not None]
                   + [(i, f"counts.{k}", why) for i, e in enumerate(req.entries) for k, why in sheet.invalid(e.counts or {})],
                   f"each entry gives its counts, which {sheet.key} scores", f"每条评价须给出各项计数，按《{sheet.zh}》计分")
    out = []
    for e in req.entries:
        scored = sheet.score(e.counts or {})
        out.append(DecidedEntry.model_validate(e.model_dump() | {
            "result": scored.grade.key, "points": scored.points, "score": scored.total}))
    return out


def _unprocessable(errors: list[tuple[int, str, str]], detail: str, detail_zh: str) -> None:
    if errors:
        raise Problem(422, detail, detail_zh, errors=[
            {"loc": ["body", "entries", i, *field.split(".")], "msg": msg, "type": "value_error"}
            for i, field, msg in errors])


async def read(store: Store, lc: Lifecycle, actor: Actor, evaluation_id: str) -> tuple[EvaluationRecord, set[str]]:
    """A round the actor may see (an office of the campaign's roles covering its region), and the
    cases that have recorded their result."""
    campaign = campaign_of(lc)
    record = await store.get_evaluation(evaluation_id)
    if (record is None or record.programme != lc.key or actor.role not in lc.by_key[campaign.action.value].roles
            or not record.region.startswith(region_prefix(actor.region))):
        raise Problem(404, f"evaluation {evaluation_id} not found", "评价批次不存在")
    return record, await store.recorded([e.case_id for e in record.entries], campaign.action.value, record.round)
