"""Cases: open, list, read, act, history. Each route: authenticate, parse, one call, answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Request, Response

from zhanwu.schemas.views import BatchRequest, BatchResult, CasePage, CaseView, History
from zhanwu.services.api import refusals
from zhanwu.services.api.auth import CurrentActor
from zhanwu.services.api.deps import GatewayDep, LifecycleDep, PageLimit, StoreDep, lifecycle
from zhanwu.services.api.errors import Problem, documented, invalid_cursor
from zhanwu.services.api.export import PAGE_SIZE, case_csv
from zhanwu.services.api.gateway import visible_case
from zhanwu.services.api.views import batch_result, case_view
from zhanwu.services.store.repository import CaseFilter
from zhanwu.workflows.common.lifecycle import Scope

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=documented(403, 409, 412))
Payload = Annotated[dict[str, Any], Body(description="the action's payload; its schema: GET /api/v1/programmes/{p}")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _etag(response: Response, view: CaseView) -> CaseView:
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.post("/programmes/{programme}/cases", status_code=201, response_model=CaseView)
async def open_case(
    lc: LifecycleDep, actor: CurrentActor, gw: GatewayDep, response: Response, payload: Payload,
    action: Annotated[str | None, Query(description="the create action; default the programme's first")] = None,
    profile: Annotated[str | None, Query(description="the policy profile; default the one whose regions hold the "
                                                     "case's region, else the programme's default")] = None,
    idempotency_key: IdempotencyKey = None,
) -> CaseView:
    creates = [a.key.value for a in lc.actions if a.creates]
    action = action or creates[0]
    if action not in creates:
        raise _bad_query("action", creates)
    if profile is not None and profile not in lc.profiles:
        raise _bad_query("profile", list(lc.profiles))
    snapshot = await gw.open(lc, action, actor, payload, idempotency_key, profile)
    response.headers["Location"] = f"/api/v1/cases/{snapshot.id}"
    return _etag(response, case_view(lc, snapshot, actor, datetime.now(UTC)))


@router.post("/programmes/{programme}/batches", response_model=BatchResult)
async def batch(
    lc: LifecycleDep, actor: CurrentActor, gw: GatewayDep, body: BatchRequest, request: Request,
    idempotency_key: IdempotencyKey = None,
) -> BatchResult:
    """One action on many cases of the programme, e.g. a certification round 认定批次 (`002 §三`).
    Each case is decided on its own; the answer lists per case what happened."""
    if body.action not in lc.by_key or lc.by_key[body.action].creates:
        raise _bad_query("action", [a.key.value for a in lc.actions if not a.creates], loc="body")
    answers = await gw.act_many(lc, body.action, actor, dict.fromkeys(body.case_ids, body.payload), idempotency_key)
    await refusals.record(request, [(c, a) for c, a in answers.items() if isinstance(a, Problem)], body.action)
    return batch_result(lc, body.action, answers, actor, datetime.now(UTC))


@router.get("/programmes/{programme}/cases", response_model=CasePage, responses={200: {
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "JSON: one page. `format=csv`: the whole list, streamed, UTF-8 with a BOM (Excel shows the "
                   "Chinese), a header row in Chinese (`header=en`: the English keys), then per case: id, programme, "
                   "title, state (labels in Chinese), tier, region, opened at and next deadline (Asia/Shanghai), "
                   "version. A cell a spreadsheet would run as a formula (= + - @) starts with an apostrophe."}})
async def list_cases(
    lc: LifecycleDep, actor: CurrentActor, store: StoreDep, limit: PageLimit,
    state: str | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$", description="a region, or a city (ending 00)")] = None,
    tier: str | None = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="title contains, or the case id")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    format: Annotated[Literal["json", "csv"], Query(description="csv: every case from `cursor` on")] = "json",
    header: Annotated[Literal["zh", "en"], Query(description="csv: the header row's language")] = "zh",
) -> CasePage | Response:
    now, scope, f = datetime.now(UTC), Scope.of(actor), CaseFilter(lc.key, state, region, tier, overdue, q)
    size = PAGE_SIZE if format == "csv" else limit
    try:
        items, nxt = await store.list_cases(f, scope, now, size, cursor)
    except ValueError:
        raise invalid_cursor() from None
    if format == "csv":
        return case_csv(lc, (items, nxt), lambda c: store.list_cases(f, scope, now, size, c), header == "en", now)
    return CasePage(items=[case_view(lc, c, actor, now) for c in items], next_cursor=nxt)


@router.get("/cases/{case_id}", response_model=CaseView)
async def get_case(case_id: str, actor: CurrentActor, store: StoreDep, response: Response) -> CaseView:
    case = await visible_case(store, case_id, actor)
    return _etag(response, case_view(lifecycle(case.programme), case, actor, datetime.now(UTC)))


@router.post("/cases/{case_id}/actions/{action}", response_model=CaseView)
async def act(
    case_id: str, action: str, actor: CurrentActor, store: StoreDep, gw: GatewayDep, response: Response,
    payload: Payload, idempotency_key: IdempotencyKey = None,
    if_match: Annotated[str | None, Header(alias="If-Match", description='"<version>" from ETag')] = None,
) -> CaseView:
    case = await visible_case(store, case_id, actor)
    lc = lifecycle(case.programme)
    snapshot = await gw.act(lc, case, action, actor, payload, idempotency_key, _version(if_match))
    return _etag(response, case_view(lc, snapshot, actor, datetime.now(UTC)))


@router.get("/cases/{case_id}/history", response_model=History)
async def history(case_id: str, actor: CurrentActor, store: StoreDep) -> History:
    await visible_case(store, case_id, actor)
    return History(items=await store.history(case_id))


def _bad_query(field: str, allowed: list[str], loc: str = "query") -> Problem:
    return Problem(422, f"{field} must be one of {allowed}", f"{field} 须为 {allowed} 之一",
                   errors=[{"loc": [loc, field], "msg": f"must be one of {allowed}", "type": "enum"}])


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise Problem(412, 'If-Match must be "<version>"', "If-Match 须为案件版本号") from None
