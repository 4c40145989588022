"""Events to other systems: the event each accepted action or fired timer produces, the
subscriptions that receive them, and their deliveries. Pure data: no I/O."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from zhanwu.schemas.common import ROW_ID_MAX, Actor, AuditEvent


class CaseEvent(BaseModel):
    """What a subscription receives: one per audit record, `id` = `<case_id>:<seq>`."""

    id: str = Field(examples=["dw-140702-2026-0001:3"])
    case_id: str
    programme: str
    seq: int = Field(description="the case's own order: events of one case arrive in this order")
    action: str
    from_state: str | None
    to_state: str
    at: datetime
    actor: Actor
    rules: list[str]

    @classmethod
    def of(cls, e: AuditEvent) -> CaseEvent:
        return cls(id=f"{e.case_id}:{e.seq}", case_id=e.case_id, programme=e.programme, seq=e.seq, action=e.action,
                   from_state=e.from_state, to_state=e.to_state, at=e.at, actor=e.actor, rules=e.rules)


class SubscriptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(examples=["https://oa.example.gov.cn/zhanwu/events"])
    secret: str = Field(min_length=16, max_length=200, description="the HMAC key; never shown again")
    programmes: list[str] = Field(default_factory=list, description="only these programmes (empty: all)")
    actions: list[str] = Field(default_factory=list, description="only these actions (empty: all)")


class Figures(BaseModel):
    pending: int = 0
    delivered: int = 0
    dead: int = 0


class SubscriptionView(BaseModel):
    """A subscription as its city office sees it: never with its secret."""

    id: str
    url: str
    programmes: list[str]
    actions: list[str]
    city: str = Field(description="events of cases in this city (the subscribing office's) only")
    created_at: datetime
    deliveries: Figures


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class DeliveryView(BaseModel):
    id: int
    event: CaseEvent
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryView]
    next_cursor: str | None


class RedriveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=ROW_ID_MAX)]] = Field(
        default_factory=list, max_length=1000, description="the dead deliveries to send again (empty: all dead)")


class RedriveResult(BaseModel):
    redriven: int
