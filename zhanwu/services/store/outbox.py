"""The webhooks' SQL: subscriptions, the transactional outbox of their deliveries, and the lease by
which one relay at a time sends a subscription's events in order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from zhanwu.schemas.common import AuditEvent
from zhanwu.schemas.webhooks import (
    CaseEvent,
    DeliveryStatus,
    DeliveryView,
    Figures,
    SubscriptionRequest,
    SubscriptionView,
)
from zhanwu.services.store.models import Outbox, Subscription

PENDING, DELIVERED, DEAD = DeliveryStatus.PENDING.value, DeliveryStatus.DELIVERED.value, DeliveryStatus.DEAD.value


def enqueue(conn: Connection, e: AuditEvent, region: str) -> None:
    """In the audit record's own transaction: one outbox row per live subscription the event matches."""
    subs = conn.execute(select(Subscription.id, Subscription.city, Subscription.programmes, Subscription.actions)
                        .where(Subscription.deleted_at.is_(None))).all()
    matching = [s.id for s in subs if region.startswith(s.city) and (not s.programmes or e.programme in s.programmes)
                and (not s.actions or e.action in s.actions)]
    if matching:
        event = CaseEvent.of(e)
        body, now = event.model_dump(mode="json"), datetime.now(UTC)
        conn.execute(insert(Outbox), [
            {"subscription_id": sid, "event_id": event.id, "event": body, "status": PENDING, "attempts": 0,
             "next_attempt_at": now, "created_at": now} for sid in matching
        ])


@dataclass(frozen=True)
class Target:
    """What a relay needs to send one subscription's events."""

    id: str
    url: str
    secret: str


@dataclass(frozen=True)
class Pending:
    id: int
    event_id: str
    event: dict[str, Any]
    attempts: int


class Webhooks:
    def __init__(self, session: async_sessionmaker[AsyncSession]) -> None:
        self.session = session

    # --- subscriptions (the API) ---------------------------------------------------------------
    async def subscribe(self, req: SubscriptionRequest, city: str, owner: str) -> SubscriptionView:
        row = Subscription(id=f"sub-{uuid.uuid4().hex[:12]}", url=str(req.url), secret=req.secret,
                           programmes=req.programmes, actions=req.actions, city=city, owner=owner,
                           created_at=datetime.now(UTC))
        async with self.session.begin() as db:
            db.add(row)
        return _view(row, Figures())

    async def subscriptions(self, city: str) -> list[SubscriptionView]:
        async with self.session() as db:
            rows = (await db.scalars(select(Subscription).where(Subscription.city == city, Subscription.deleted_at.is_(None))
                                     .order_by(Subscription.created_at))).all()
            figures = await self._figures(db, [r.id for r in rows])
        return [_view(r, figures.get(r.id, Figures())) for r in rows]

    async def subscription(self, sub_id: str, city: str) -> SubscriptionView | None:
        async with self.session() as db:
            row = await self._live(db, sub_id, city)
            return _view(row, (await self._figures(db, [sub_id])).get(sub_id, Figures())) if row else None

    async def unsubscribe(self, sub_id: str, city: str) -> bool:
        async with self.session.begin() as db:
            row = await self._live(db, sub_id, city)
            if row is None:
                return False
            row.deleted_at = datetime.now(UTC)
        return True

    async def deliveries(self, sub_id: str, status: DeliveryStatus | None, limit: int,
                         after: int | None) -> tuple[list[DeliveryView], int | None]:
        q = select(Outbox).where(Outbox.subscription_id == sub_id)
        if status is not None:
            q = q.where(Outbox.status == status.value)
        if after is not None:
            q = q.where(Outbox.id > after)
        async with self.session() as db:
            rows = (await db.scalars(q.order_by(Outbox.id).limit(limit + 1))).all()
        items = [DeliveryView(
            id=r.id, event=CaseEvent.model_validate(r.event), status=DeliveryStatus(r.status), attempts=r.attempts,
            next_attempt_at=r.next_attempt_at if r.status == PENDING else None, last_error=r.last_error,
            delivered_at=r.delivered_at,
        ) for r in rows[:limit]]
        return items, (items[-1].id if len(rows) > limit else None)

    async def redrive(self, sub_id: str, ids: list[int]) -> int:
        """Send dead deliveries again (the given ones, or all): pending from now, attempts from zero."""
        q = update(Outbox).where(Outbox.subscription_id == sub_id, Outbox.status == DEAD)
        if ids:
            q = q.where(Outbox.id.in_(ids))
        async with self.session.begin() as db:
            result = await db.execute(q.values(status=PENDING, attempts=0, next_attempt_at=datetime.now(UTC)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # --- the relay -----------------------------------------------------------------------------
    async def due(self, now: datetime) -> list[str]:
        """Live subscriptions whose first pending delivery is due and whose lease is free."""
        head = (select(func.min(Outbox.id)).where(Outbox.status == PENDING).group_by(Outbox.subscription_id)
                .scalar_subquery())
        q = (select(Outbox.subscription_id).join(Subscription, Subscription.id == Outbox.subscription_id)
             .where(Outbox.id.in_(head), Outbox.next_attempt_at <= now, Subscription.deleted_at.is_(None),
                    or_(Subscription.lease_until.is_(None), Subscription.lease_until < now)))
        async with self.session() as db:
            return list((await db.scalars(q)).all())

    async def lease(self, sub_id: str, owner: str, now: datetime, ttl: timedelta) -> Target | None:
        """Take (or renew) the subscription's lease; None if another relay holds it or it was deleted."""
        q = (update(Subscription)
             .where(Subscription.id == sub_id, Subscription.deleted_at.is_(None),
                    or_(Subscription.lease_owner == owner, Subscription.lease_until.is_(None),
                        Subscription.lease_until < now))
             .values(lease_owner=owner, lease_until=now + ttl))
        async with self.session.begin() as db:
            if (await db.execute(q)).rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = await db.get(Subscription, sub_id)
            assert row is not None
            return Target(row.id, row.url, row.secret)

    async def release(self, sub_id: str, owner: str) -> None:
        async with self.session.begin() as db:
            await db.execute(update(Subscription).where(Subscription.id == sub_id, Subscription.lease_owner == owner)
                             .values(lease_owner=None, lease_until=None))

    async def pending(self, sub_id: str, limit: int) -> list[Pending]:
        """The subscription's next pending deliveries, in the order they must be sent."""
        q = (select(Outbox.id, Outbox.event_id, Outbox.event, Outbox.attempts)
             .where(Outbox.subscription_id == sub_id, Outbox.status == PENDING).order_by(Outbox.id).limit(limit))
        async with self.session() as db:
            return [Pending(*r) for r in (await db.execute(q)).all()]

    async def delivered(self, delivery_id: int, now: datetime) -> None:
        async with self.session.begin() as db:
            await db.execute(update(Outbox).where(Outbox.id == delivery_id, Outbox.status == PENDING)
                             .values(status=DELIVERED, attempts=Outbox.attempts + 1, delivered_at=now, last_error=None))

    async def failed(self, delivery_id: int, error: str, retry_at: datetime | None) -> None:
        """A failed attempt: retried at `retry_at`, or dead when None."""
        values: dict[str, Any] = {"attempts": Outbox.attempts + 1, "last_error": error[:300]}
        values |= {"next_attempt_at": retry_at} if retry_at else {"status": DEAD}
        async with self.session.begin() as db:
            await db.execute(update(Outbox).where(Outbox.id == delivery_id, Outbox.status == PENDING).values(**values))

    # --- helpers -------------------------------------------------------------------------------
    @staticmethod
    async def _live(db: AsyncSession, sub_id: str, city: str) -> Subscription | None:
        row = await db.get(Subscription, sub_id)
        return row if row is not None and row.city == city and row.deleted_at is None else None

    @staticmethod
    async def _figures(db: AsyncSession, sub_ids: list[str]) -> dict[str, Figures]:
        q = (select(Outbox.subscription_id, Outbox.status, func.count()).where(Outbox.subscription_id.in_(sub_ids))
             .group_by(Outbox.subscription_id, Outbox.status))
        figures: dict[str, Figures] = {}
        for sub_id, status, n in (await db.execute(q)).all():
            setattr(figures.setdefault(sub_id, Figures()), status, n)
        return figures


def _view(row: Subscription, figures: Figures) -> SubscriptionView:
    return SubscriptionView(id=row.id, url=row.url, programmes=row.programmes, actions=row.actions, city=row.city,
                            created_at=row.created_at, deliveries=figures)

