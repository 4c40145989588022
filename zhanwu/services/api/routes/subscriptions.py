"""Webhooks for case events: a city office subscribes its systems to the events of its city's cases.
The secret signs each delivery and is never shown again; dead deliveries are listed and re-driven here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from zhanwu.schemas.common import Actor
from zhanwu.schemas.webhooks import (
    DeliveryPage,
    DeliveryStatus,
    RedriveRequest,
    RedriveResult,
    SubscriptionRequest,
    SubscriptionView,
)
from zhanwu.services.api.auth import Office
from zhanwu.services.api.deps import PageLimit, RowCursor, StoreDep
from zhanwu.services.api.errors import Problem, documented, invalid
from zhanwu.services.store.outbox import Webhooks
from zhanwu.workflows.registry import LIFECYCLES

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"], responses=documented(403))


async def webhooks(store: StoreDep) -> Webhooks:
    return store.webhooks


WebhooksDep = Annotated[Webhooks, Depends(webhooks)]


@router.post("", status_code=201, response_model=SubscriptionView)
async def subscribe(actor: Office, hooks: WebhooksDep, body: SubscriptionRequest, response: Response) -> SubscriptionView:
    """Events of the office's city's cases from now on, filtered by programme and action (empty: all)."""
    _check_filters(body)
    view = await hooks.subscribe(body, actor.city, actor.subject)
    response.headers["Location"] = f"/api/v1/subscriptions/{view.id}"
    return view


@router.get("", response_model=list[SubscriptionView])
async def subscriptions(actor: Office, hooks: WebhooksDep) -> list[SubscriptionView]:
    return await hooks.subscriptions(actor.city)


@router.get("/{subscription_id}", response_model=SubscriptionView)
async def subscription(actor: Office, hooks: WebhooksDep, subscription_id: str) -> SubscriptionView:
    return await _live(hooks, actor, subscription_id)


@router.delete("/{subscription_id}", status_code=204)
async def unsubscribe(actor: Office, hooks: WebhooksDep, subscription_id: str) -> Response:
    """No more events; what was delivered stays listed."""
    if not await hooks.unsubscribe(subscription_id, actor.city):
        raise _not_found(subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", response_model=DeliveryPage)
async def deliveries(
    actor: Office, hooks: WebhooksDep, subscription_id: str, limit: PageLimit,
    status: DeliveryStatus | None = None,
    cursor: RowCursor = None,
) -> DeliveryPage:
    """The subscription's deliveries in the order they are sent; `status=dead` lists the dead letters."""
    await _live(hooks, actor, subscription_id)
    items, nxt = await hooks.deliveries(subscription_id, status, limit, cursor)
    return DeliveryPage(items=items, next_cursor=str(nxt) if nxt is not None else None)


@router.post("/{subscription_id}/redrive", response_model=RedriveResult)
async def redrive(actor: Office, hooks: WebhooksDep, subscription_id: str, body: RedriveRequest) -> RedriveResult:
    """Send dead deliveries again, from the first attempt: the ones named, or all of them."""
    await _live(hooks, actor, subscription_id)
    return RedriveResult(redriven=await hooks.redrive(subscription_id, body.ids))


def _check_filters(body: SubscriptionRequest) -> None:
    errors = [{"loc": ["body", "programmes", i], "msg": f"unknown programme; one of {sorted(LIFECYCLES)}",
               "type": "enum"} for i, p in enumerate(body.programmes) if p not in LIFECYCLES]
    chosen = [LIFECYCLES[p] for p in body.programmes if p in LIFECYCLES] or list(LIFECYCLES.values())
    errors += [{"loc": ["body", "actions", i], "msg": "not an action of the programmes subscribed", "type": "enum"}
               for i, a in enumerate(body.actions) if not any(a in lc.by_key for lc in chosen)]
    if errors:
        raise invalid(errors)


async def _live(hooks: Webhooks, actor: Actor, subscription_id: str) -> SubscriptionView:
    """The office's own live subscription, or 404."""
    view = await hooks.subscription(subscription_id, actor.city)
    if view is None:
        raise _not_found(subscription_id)
    return view


def _not_found(subscription_id: str) -> Problem:
    return Problem(404, f"no subscription {subscription_id!r} in your city", f"本市无订阅 {subscription_id!r}")
