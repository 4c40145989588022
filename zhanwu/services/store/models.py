"""The store: the read model of cases (lists, search) and the permanent, append-only audit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
    column,
    table,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Instant(TypeDecorator[datetime]):
    """An instant, written in UTC and read back aware (UTC): SQLite keeps no zone, so a Beijing time
    (+08:00) written as given would compare eight hours off; a naive value is taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _utc(value)


def _utc(d: datetime | None) -> datetime | None:
    if d is None:
        return None
    return d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: Instant}


class Case(Base):
    """One row per case, overwritten by each newer projection (version = the case's seq)."""

    __tablename__ = "cases"
    # the lists' order, and the region, which a party's or a district's list checks without reading the row
    __table_args__ = (Index("ix_cases_programme_created_id_region", "programme", "created_at", "id", "region"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    programme: Mapped[str] = mapped_column(String(64), index=True)
    profile: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64), index=True)
    tier: Mapped[str | None] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    sector: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]


# Title search (migration 0009), outside the models: on SQLite an FTS5 trigram table of each case's id and
# title, kept in step with `cases` by triggers; on PostgreSQL a pg_trgm index on cases.title.
CASE_TITLES = table("case_titles", column("case_id"), column("title"))
TITLE_INDEX = "ix_cases_title_trgm"


def modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name`: whether a database object is the models' (not title search's, nor its
    FTS5 shadow tables case_titles_*)."""
    return not (type_ == "table" and (name or "").startswith(CASE_TITLES.name)) and name != TITLE_INDEX


class CaseDeadline(Base):
    """An open (unmet) deadline of a case, for supervision across cases 督办: replaced by each newer projection."""

    __tablename__ = "case_deadlines"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    label: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))


class CaseParty(Base):
    """Which subjects act on a case as a party (host unit's credit code, lead doctor's id)."""

    __tablename__ = "case_parties"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)


class AuditRecord(Base):
    """Append-only: the application inserts, never updates or deletes (on PostgreSQL its role may not:
    deploy/grants.sql). Hash-chained (`chain.py`): to the record before it in the audit and in its case."""

    __tablename__ = "audit"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_audit_case_seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    programme: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor_subject: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_region: Mapped[str] = mapped_column(String(6))
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    rules: Mapped[list[Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime]
    hash_alg: Mapped[str] = mapped_column(String(16))
    case_prev_hash: Mapped[str | None] = mapped_column(String(128))
    prev_hash: Mapped[str | None] = mapped_column(String(128))
    hash: Mapped[str] = mapped_column(String(128))


class AuditHead(Base):
    """The audit chain's head, one row (id 1): how many records and the last one's hash. Each append
    updates it first, which locks it until the commit: one writer at a time extends the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    records: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str | None] = mapped_column(String(128))


class Claim(Base):
    """A cross-case rule's token (e.g. `dw-lead:<person>`), held by at most one live case."""

    __tablename__ = "claims"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)


class Counter(Base):
    """Case-number sequences per (programme prefix, region, year)."""

    __tablename__ = "counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class OpenRequest(Base):
    """An Idempotency-Key used to open a case: the retry finds the same case id."""

    __tablename__ = "open_requests"

    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))


class EvaluationRound(Base):
    """An evaluation campaign's round as decided (entries and quota figures), once per (programme,
    region, round): the id says so, the primary key holds it. Written once, never updated; what each
    case did with its result is in the case's own audit."""

    __tablename__ = "evaluations"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    programme: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(6), index=True)
    round: Mapped[str] = mapped_column(String(32))
    profile: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    actor_subject: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(32))
    entries: Mapped[list[Any]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class BanRow(Base):
    """The live bans, as their cases hold them (`CaseSnapshot.bans`): rewritten by each projection."""

    __tablename__ = "bans"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    ban: Mapped[dict[str, Any]] = mapped_column(JSON)
    until: Mapped[datetime] = mapped_column()


class Subscription(Base):
    """A city office's webhook: events of its city's cases, filtered by programme and action. Deleted
    ones are kept (deleted_at) with their deliveries. The lease lets one relay at a time send its events."""

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    programmes: Mapped[list[Any]] = mapped_column(JSON)
    actions: Mapped[list[Any]] = mapped_column(JSON)
    city: Mapped[str] = mapped_column(String(6))
    owner: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]


class Outbox(Base):
    """One event to deliver to one subscription: written in the transaction of its audit record,
    sent in id order per subscription, then delivered or dead (a dead one may be re-driven)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_outbox_subscription_event"),
        Index("ix_outbox_subscription_status", "subscription_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(140))
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class RefusalRecord(Base):
    """A request the API refused to a known actor: a role the operation does not allow (403), or a
    case outside the actor's jurisdiction, answered 404 so as not to tell it exists. Insert-only,
    and apart from the case audit, whose per-case seq counts accepted changes only."""

    __tablename__ = "refusals"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(6), index=True)
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(200))
    action: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(64))
