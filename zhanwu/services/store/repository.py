"""All SQL lives here. Works on SQLite (aiosqlite) and PostgreSQL (asyncpg) alike."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    exists,
    extract,
    func,
    insert,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from zhanwu.schemas.common import AuditEvent, Ban, CaseSnapshot, Projection, region_prefix
from zhanwu.schemas.evaluations import EvaluationRecord
from zhanwu.schemas.views import RefusalView
from zhanwu.services.store.chain import Algorithm, Chain, Report, digest, plain
from zhanwu.services.store.models import (
    CASE_TITLES,
    AuditHead,
    AuditRecord,
    BanRow,
    Case,
    CaseDeadline,
    CaseParty,
    Claim,
    Counter,
    EvaluationRound,
    OpenRequest,
    RefusalRecord,
)
from zhanwu.services.store.outbox import Webhooks, enqueue
from zhanwu.workflows.common.calendar import SHANGHAI
from zhanwu.workflows.common.lifecycle import Scope

TITLE_HITS = 1000  # more cases than this match a title search: its words are common, walk the list instead


def make_engine(url: str) -> AsyncEngine:
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_wal)
    return engine


def _sqlite_wal(dbapi_connection: Any, _: Any) -> None:
    """Write-ahead log: readers never wait for the writer, and a commit is one append (synchronous
    stays FULL, so a committed projection survives a power loss)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@dataclass(frozen=True)
class CaseFilter:
    programme: str
    state: str | None = None
    region: str | None = None
    tier: str | None = None
    overdue: bool | None = None
    q: str | None = None


@dataclass(frozen=True)
class CountFilter:
    programme: str | None = None
    region: str | None = None
    year: int | None = None  # the year the case was opened, Asia/Shanghai time


@dataclass(frozen=True)
class DeadlineFilter:
    programme: str | None = None
    region: str | None = None
    due_before: datetime | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class OpenDeadline:
    """One open deadline with the case it belongs to, as supervision lists it."""

    case_id: str
    programme: str
    title: str
    state: str
    region: str
    kind: str
    label: str
    label_en: str
    due_at: datetime


class Store:
    def __init__(self, engine: AsyncEngine, audit_hash: Algorithm = "sha256") -> None:
        self.engine = engine
        self.audit_hash = audit_hash
        self.session = async_sessionmaker(engine, expire_on_commit=False)
        self.webhooks = Webhooks(self.session)
        # SQLite has one writer: writers of this process take turns here rather than in SQLite's busy
        # handler, whose sleeps (up to 100 ms each) collapse throughput under load
        self._writer: contextlib.AbstractAsyncContextManager[Any] = asyncio.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        self._group = _GroupCommit(engine, self._writer, audit_hash) if engine.dialect.name == "sqlite" else None

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction, committed on the way out."""
        async with self._writer, self.session.begin() as db:
            yield db

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)(table)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    # --- writes from the worker ------------------------------------------------------------
    async def project(self, p: Projection) -> bool:
        """Record the audit event and bring the case row up to the snapshot, idempotently on
        (case_id, seq): a retried projection writes nothing twice. Returns whether it wrote."""
        try:
            return await self._project(p)
        except IntegrityError:  # a concurrent retry of the same projection won the insert
            return False

    async def _project(self, p: Projection) -> bool:
        if self._group is not None:
            return await self._group.project(p)
        async with self.engine.begin() as conn:
            return await conn.run_sync(_project, p, self.audit_hash)

    async def claim(self, key: str, case_id: str) -> str:
        """Grant `key` to `case_id` unless another case holds it; returns the holder. A case holds
        one key per namespace (the part before ':'): a new one replaces its old one."""
        namespace = key.split(":", 1)[0] + ":"
        async with self._write() as db:
            await db.execute(self._insert(Claim).values(key=key, case_id=case_id).on_conflict_do_nothing())
            holder = await db.scalar(select(Claim.case_id).where(Claim.key == key))
            if holder == case_id:
                await db.execute(
                    delete(Claim).where(Claim.case_id == case_id, Claim.key != key, Claim.key.startswith(namespace))
                )
        assert holder is not None
        return holder

    async def bans_on(self, subjects: list[str]) -> list[Ban]:
        """The live bans on any of `subjects`, the longest-running first."""
        async with self.session() as db:
            rows = await db.scalars(select(BanRow).where(BanRow.subject.in_(subjects)).order_by(BanRow.until.desc()))
            return [Ban.model_validate(r.ban) for r in rows]

    # --- writes from the API ----------------------------------------------------------------
    async def next_case_number(self, key: str) -> int:
        stmt = self._insert(Counter).values(key=key, value=1)
        stmt = stmt.on_conflict_do_update(index_elements=[Counter.key], set_={"value": Counter.value + 1})
        async with self._writer, self.engine.begin() as conn:  # Core: through the ORM it was ~1/4 of the API's CPU per open
            return int((await conn.execute(stmt.returning(Counter.value))).scalar_one())

    async def open_request(self, subject: str, key: str, request_hash: str, case_id: str) -> tuple[str, str]:
        """Remember which case an Idempotency-Key opened; returns the (case_id, hash) first stored."""
        try:
            async with self._write() as db:
                db.add(OpenRequest(subject=subject, key=key, request_hash=request_hash, case_id=case_id))
        except IntegrityError:
            pass
        async with self.session() as db:
            row = await db.get(OpenRequest, (subject, key))
            assert row is not None
            return row.case_id, row.request_hash

    async def find_open_request(self, subject: str, key: str) -> tuple[str, str] | None:
        async with self.session() as db:
            row = await db.get(OpenRequest, (subject, key))
            return (row.case_id, row.request_hash) if row else None

    async def record_evaluation(self, record: EvaluationRecord) -> EvaluationRecord:
        """Keep a round as decided; returns the round first kept under its id (this one, or another's)."""
        try:
            async with self._write() as db:
                db.add(EvaluationRound(**record.model_dump(exclude={"entries"}),
                                       entries=[e.model_dump(mode="json") for e in record.entries]))
        except IntegrityError:
            pass
        kept = await self.get_evaluation(record.id)
        assert kept is not None
        return kept

    async def record_refusals(self, refusals: list[RefusalView]) -> None:
        """Insert-only: the application never updates or deletes a refusal."""
        async with self.session.begin() as db:
            db.add_all(RefusalRecord(**r.model_dump(exclude={"id"})) for r in refusals)

    # --- reads ------------------------------------------------------------------------------
    async def refusals(self, city: str, limit: int, cursor: int | None) -> tuple[list[RefusalView], int | None]:
        """Refusals to actors of the city, or about its cases; newest first."""
        r = RefusalRecord
        of_city = select(Case.id).where(Case.region.startswith(city))
        q = select(r).where(or_(r.region.startswith(city), r.case_id.in_(of_city)))
        if cursor is not None:
            q = q.where(r.id < cursor)
        async with self.session() as db:
            rows = (await db.scalars(q.order_by(r.id.desc()).limit(limit + 1))).all()
        items = [RefusalView.model_validate(row, from_attributes=True) for row in rows[:limit]]
        return items, items[-1].id if len(rows) > limit else None

    async def recorded(self, case_ids: list[str], action: str, round_: str) -> set[str]:
        """Which of the cases have an audit record of `action` for evaluation round `round_`."""
        q = select(AuditRecord.case_id).where(
            AuditRecord.case_id.in_(case_ids), AuditRecord.action == action, AuditRecord.payload["round"].as_string() == round_,
        )
        async with self.session() as db:
            return set((await db.scalars(q)).all())

    async def get_evaluation(self, evaluation_id: str) -> EvaluationRecord | None:
        async with self.session() as db:
            row = await db.get(EvaluationRound, evaluation_id)
            if row is None:
                return None
            return EvaluationRecord.model_validate(
                {c.key: getattr(row, c.key) for c in EvaluationRound.__table__.columns}
            )

    async def get_case(self, case_id: str) -> CaseSnapshot | None:
        async with self.engine.connect() as conn:  # one column as text: no ORM identity map, no json.loads
            snapshot = await conn.scalar(_SNAPSHOT, {"case_id": case_id})
        return CaseSnapshot.model_validate_json(snapshot) if snapshot is not None else None

    async def list_cases(
        self, f: CaseFilter, scope: Scope, now: datetime, limit: int, cursor: str | None
    ) -> tuple[list[CaseSnapshot], str | None]:
        snapshot = cast(Case.snapshot, Text)  # the JSON as text, which pydantic parses faster than json.loads
        q = select(snapshot, Case.created_at, Case.id).where(Case.programme == f.programme, _scope_clause(scope))
        if f.state:
            q = q.where(Case.state == f.state)
        if f.region:
            q = q.where(Case.region.startswith(region_prefix(f.region)))
        if f.tier:
            q = q.where(Case.tier == f.tier)
        if f.overdue is not None:
            late = and_(Case.next_due_at.is_not(None), Case.next_due_at < now)
            q = q.where(late if f.overdue else not_(late))
        if f.q:
            q = q.where(or_(Case.title.icontains(f.q, autoescape=True), Case.id == f.q))
        if cursor:
            at, (cid,) = _decode_cursor(cursor, 1)
            q = q.where(or_(Case.created_at < at, and_(Case.created_at == at, Case.id < cid)))
        q = q.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1)
        async with self.session() as db:
            if f.q:
                q = q.where(*await self._title_candidates(db, f.q))
            rows = (await db.execute(q)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = _encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
        return [CaseSnapshot.model_validate_json(r.snapshot) for r in rows], nxt

    async def list_deadlines(
        self, f: DeadlineFilter, scope: Scope, now: datetime, limit: int, cursor: str | None
    ) -> tuple[list[OpenDeadline], str | None]:
        """Open deadlines across cases in the actor's jurisdiction, soonest first."""
        d = CaseDeadline
        q = (
            select(d.case_id, Case.programme, Case.title, Case.state, Case.region, d.kind, d.label, d.label_en, d.due_at)
            .join(Case, Case.id == d.case_id)
            .where(_scope_clause(scope))
        )
        if f.programme:
            q = q.where(Case.programme == f.programme)
        if f.region:
            q = q.where(Case.region.startswith(region_prefix(f.region)))
        if f.due_before is not None:
            q = q.where(d.due_at < f.due_before)
        if f.overdue is not None:
            q = q.where(d.due_at <= now if f.overdue else d.due_at > now)
        if cursor:
            at, (cid, kind) = _decode_cursor(cursor, 2)
            q = q.where(or_(d.due_at > at, and_(d.due_at == at, or_(d.case_id > cid, and_(d.case_id == cid, d.kind > kind)))))
        q = q.order_by(d.due_at, d.case_id, d.kind).limit(limit + 1)
        async with self.session() as db:
            rows = (await db.execute(q)).all()
        items = [OpenDeadline(**r._asdict()) for r in rows[:limit]]
        nxt = _encode_cursor(items[-1].due_at, items[-1].case_id, items[-1].kind) if len(rows) > limit else None
        return items, nxt

    async def count_cases(self, f: CountFilter, group_by: Sequence[str], scope: Scope) -> list[dict[str, Any]]:
        """Cases in the actor's jurisdiction counted per group (programme, state, tier, region, year),
        ordered by the groups' keys; each row holds its keys and `count`."""
        columns = {"programme": Case.programme, "state": Case.state, "tier": Case.tier, "region": Case.region,
                   "year": self._shanghai_year(Case.created_at)}
        keys = [columns[g] for g in group_by]
        q = select(*(k.label(g) for k, g in zip(keys, group_by, strict=True)), func.count().label("count"))
        q = q.where(_scope_clause(scope))
        if f.programme:
            q = q.where(Case.programme == f.programme)
        if f.region:
            q = q.where(Case.region.startswith(region_prefix(f.region)))
        if f.year is not None:  # a range on the instant, so the index serves it
            start, end = (datetime(y, 1, 1, tzinfo=SHANGHAI).astimezone(UTC) for y in (f.year, f.year + 1))
            q = q.where(Case.created_at >= start, Case.created_at < end)
        q = q.group_by(*keys).order_by(*(k.asc().nulls_last() for k in keys))
        async with self.session() as db:
            return [r._asdict() for r in (await db.execute(q)).all()]

    async def _title_candidates(self, db: AsyncSession, q: str) -> list[Any]:
        """On SQLite, the cases a title search may find, when few: those whose title the trigram index
        (`case_titles`, migration 0009) matches, and the case `q` names; a superset of the answer, which the
        search's own clause then decides. Many (a common word), or a pattern under three characters (no
        trigram): none, and the list's walk in its order finds a page among the many soon enough, or scans.
        On PostgreSQL the trigram index serves the search's clause itself, and the planner chooses."""
        if self.engine.dialect.name != "sqlite" or len(q) < 3:
            return []
        titled = select(CASE_TITLES.c.case_id).where(CASE_TITLES.c.title.like(f"%{q}%")).limit(TITLE_HITS + 1)
        ids = (await db.scalars(titled)).all()
        return [Case.id.in_([*ids, q])] if len(ids) <= TITLE_HITS else []

    def _shanghai_year(self, instant: Any) -> Any:
        """The year of a stored instant in Asia/Shanghai time. Literals rather than bound parameters, so that
        the GROUP BY repeats the selected expression's very text (PostgreSQL matches the two by their text)."""
        if self.engine.dialect.name == "postgresql":
            return cast(extract("year", func.timezone(literal_column("'Asia/Shanghai'"), instant)), Integer)
        # SQLite keeps instants as UTC text; Asia/Shanghai has been UTC+8 all year (no daylight saving) since 1991
        return cast(func.strftime(literal_column("'%Y'"), instant, literal_column("'+8 hours'")), Integer)

    async def history(self, case_id: str) -> list[AuditEvent]:
        async with self.session() as db:
            rows = (await db.scalars(select(AuditRecord).where(AuditRecord.case_id == case_id).order_by(AuditRecord.seq))).all()
        return [
            AuditEvent.model_validate({
                "case_id": r.case_id, "programme": r.programme, "seq": r.seq, "at": r.at,
                "actor": {"subject": r.actor_subject, "role": r.actor_role, "region": r.actor_region},
                "action": r.action, "from_state": r.from_state, "to_state": r.to_state, "rules": r.rules,
                "payload": r.payload,
            })
            for r in rows
        ]

    async def audit_trail(self, case_id: str) -> list[dict[str, Any]]:
        """The case's audit records as hashed (`chain.plain`) with their id and hash, in the audit's order."""
        t = AuditRecord.__table__
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t).where(t.c.case_id == case_id).order_by(t.c.id))).mappings().all()
        return [{"id": r["id"], **plain(r), "hash": r["hash"]} for r in rows]

    async def verify_audit(self, case_id: str | None = None) -> Report:
        async with self.engine.connect() as conn:
            return await conn.run_sync(check_audit, case_id)

    async def count(self, programme: str | None = None) -> int:
        q = select(func.count()).select_from(Case)
        if programme:
            q = q.where(Case.programme == programme)
        async with self.session() as db:
            return int(await db.scalar(q) or 0)


def check_audit(conn: Connection, case_id: str | None = None) -> Report:
    """Verify the audit's chain (or one case's), reading the records in id order a page at a time, then
    each case's version in the read model and the chain's head. Synchronous, so that a caller holding a
    transaction (the tampering tests) verifies inside it: `await async_conn.run_sync(check_audit)`."""
    t = AuditRecord.__table__
    scope = [t.c.case_id == case_id] if case_id is not None else []
    chain = Chain(case_only=case_id is not None)

    def locate(h: str) -> int | None:
        return conn.scalar(select(t.c.id).where(t.c.hash == h, *scope).limit(1))

    after: int | None = None
    while rows := conn.execute(
        select(t).where(*scope, t.c.id > after if after is not None else true()).order_by(t.c.id).limit(1000)
    ).mappings().all():
        if not all(chain.add(r, locate) for r in rows):
            return chain.finish({})
        after = rows[-1]["id"]
    cases = select(Case.id, Case.version).where(Case.id == case_id if case_id is not None else true())
    versions: dict[str, int] = {cid: v for cid, v in conn.execute(cases).all()}
    if case_id is not None:
        return chain.finish(versions)
    head = conn.execute(select(AuditHead.records, AuditHead.hash).where(AuditHead.id == 1)).first()
    return chain.finish(versions, (head.records, head.hash) if head else (0, None))


def _scope_clause(scope: Scope) -> Any:
    """The SQL of `Scope.covers`: the same jurisdiction, for lists."""
    if scope.everything:
        return True
    if scope.party is not None:
        role, subject = scope.party
        is_party = exists().where(CaseParty.case_id == Case.id, CaseParty.role == role, CaseParty.subject == subject)
        # "names no party of the role" only for the region's cases, one primary-key probe each: as a scalar
        # subquery, which PostgreSQL cannot turn into a hash of every case's parties (NOT EXISTS, it would)
        first_party = select(CaseParty.subject).where(CaseParty.case_id == Case.id, CaseParty.role == role).limit(1)
        return or_(is_party, and_(Case.region == scope.region, first_party.scalar_subquery().is_(None)))
    clauses = []
    if scope.region is not None:
        clauses.append(Case.region == scope.region)
    if scope.city is not None:
        clauses.append(Case.region.startswith(scope.city))
    if scope.sector is not None:
        clauses.append(Case.sector == scope.sector)
    return and_(*clauses)


def _case_columns(s: CaseSnapshot) -> dict[str, Any]:
    open_due = [d.due_at for d in s.deadlines if not d.met]
    return {
        "programme": s.programme, "profile": s.profile, "state": s.state, "tier": s.tier, "region": s.region,
        "sector": s.sector, "title": s.title[:200], "snapshot": s.model_dump(mode="json"),
        "next_due_at": min(open_due) if open_due else None, "version": s.version,
        "created_at": s.created_at, "updated_at": s.updated_at,
    }


# The statements every action runs, composed once and their values bound at each execution: composing
# them with the values each time was two thirds of a projection's CPU (1.46 -> 0.41 ms on SQLite)
_LAST_RECORD = (select(AuditRecord.seq, AuditRecord.hash).where(AuditRecord.case_id == bindparam("case_id"))
                .order_by(AuditRecord.id.desc()).limit(1))
_CASE_ROW = select(Case.version, Case.snapshot).where(Case.id == bindparam("case_id")).with_for_update()
_HEAD = update(AuditHead).where(AuditHead.id == 1)
_HEAD_TAKEN = _HEAD.values(records=AuditHead.records + 1).returning(AuditHead.hash)
_CASE_UPDATE = update(Case).where(Case.id == bindparam("case_id"))
_SNAPSHOT = select(cast(Case.snapshot, Text)).where(Case.id == bindparam("case_id"))  # the API's check reads it


def _project(conn: Connection, p: Projection, alg: Algorithm) -> bool:
    """The projection's transaction, synchronous and in Core statements (the ORM's unit of work cost
    more than the SQL): on SQLite it runs whole on a thread of its own. Its case's last audit record
    says whether it was already written (a case projects in order)."""
    s, e = p.snapshot, p.event
    last = conn.execute(_LAST_RECORD, {"case_id": e.case_id}).first()
    if last is not None and last.seq >= e.seq:
        return False
    enqueue(conn, e, s.region)
    row = conn.execute(_CASE_ROW, {"case_id": s.id}).first()
    if row is None or row.version < s.version:
        _bring_case_up(conn, row.snapshot if row else None, p)
    _append_audit(conn, e, alg, last.hash if last else None)  # last: the chain's head stays locked only until the commit
    return True


def _append_audit(conn: Connection, e: AuditEvent, alg: Algorithm, case_prev: str | None) -> None:
    """Insert the record chained to the audit's head and to its case's last record. Updating the head
    first locks it (PostgreSQL: its row; SQLite: the database's write lock) until the commit, so the
    chain has one writer at a time and never forks."""
    prev = conn.execute(_HEAD_TAKEN).scalar_one()
    record = {
        "case_id": e.case_id, "programme": e.programme, "seq": e.seq, "at": e.at, "actor_subject": e.actor.subject,
        "actor_role": e.actor.role.value, "actor_region": e.actor.region, "action": e.action,
        "from_state": e.from_state, "to_state": e.to_state, "rules": e.rules, "payload": e.payload,
        "recorded_at": datetime.now(UTC), "hash_alg": alg, "case_prev_hash": case_prev, "prev_hash": prev,
    }
    record["hash"] = digest(record)
    conn.execute(insert(AuditRecord), record)
    conn.execute(_HEAD, {"hash": record["hash"]})


def _bring_case_up(conn: Connection, before: dict[str, Any] | None, p: Projection) -> None:
    """The case row, its parties, open deadlines and bans as of the snapshot (each set rewritten only
    when it changed); a final case frees its claims."""
    s, columns = p.snapshot, _case_columns(p.snapshot)
    if before is None:
        conn.execute(insert(Case), {"id": s.id, **columns})
    else:
        conn.execute(_CASE_UPDATE, {"case_id": s.id, **columns})
    after = columns["snapshot"]
    rows: list[tuple[Any, str, list[dict[str, Any]]]] = [
        (CaseParty, "parties", [{"case_id": s.id, "role": r, "subject": x} for r, xs in s.parties.items() for x in set(xs)]),
        (CaseDeadline, "deadlines", [{"case_id": s.id, "kind": d.kind, "due_at": d.due_at, "label": d.label,
                                      "label_en": d.label_en} for d in s.deadlines if not d.met]),
        (BanRow, "bans", [{"case_id": s.id, "subject": b.subject, "rule": b.rule, "ban": b.model_dump(mode="json"),
                           "until": b.until} for b in s.bans]),
    ]
    for table, key, values in rows:
        if before is not None and before.get(key) == after[key]:
            continue
        if before is not None:
            conn.execute(delete(table).where(table.case_id == s.id))
        if values:
            conn.execute(insert(table), values)
    if p.final:
        conn.execute(delete(Claim).where(Claim.case_id == s.id))


class _GroupCommit:
    """SQLite's projections, group-committed: the projections that queue while one transaction runs are
    written together in the next, on a synchronous connection in a thread. SQLite has one writer, so
    projections take turns; written one by one, each held the turn ~50 ms under load (a dozen statements
    each waiting for the busy event loop, a commit each) and that hold was the whole throughput."""

    def __init__(self, engine: AsyncEngine, writer: contextlib.AbstractAsyncContextManager[Any], alg: Algorithm) -> None:
        self.sync = create_engine(engine.url.set(drivername="sqlite"), poolclass=NullPool, connect_args={"timeout": 30})
        event.listen(self.sync, "connect", _sqlite_wal)
        self.writer, self.alg = writer, alg
        self.queue: list[tuple[Projection, asyncio.Future[bool]]] = []
        self.drain: asyncio.Task[None] | None = None

    async def project(self, p: Projection) -> bool:
        written = asyncio.get_running_loop().create_future()
        self.queue.append((p, written))
        if self.drain is None or self.drain.done():
            self.drain = asyncio.create_task(self._drain())
        return await written

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue, []
            async with self.writer:
                try:
                    outcomes: list[bool | BaseException] = list(await asyncio.to_thread(self._write, batch))
                except Exception:  # one of them spoiled the transaction: each in its own, to fail alone
                    outcomes = [await self._alone(p) for p, _ in batch]
            for (_, written), outcome in zip(batch, outcomes, strict=True):
                if not written.done():  # its caller may have given up
                    if isinstance(outcome, BaseException):
                        written.set_exception(outcome)
                    else:
                        written.set_result(outcome)

    async def _alone(self, p: Projection) -> bool | BaseException:
        try:
            return (await asyncio.to_thread(self._write, [(p, None)]))[0]
        except Exception as e:
            return e

    def _write(self, batch: Sequence[tuple[Projection, object]]) -> list[bool]:
        with self.sync.begin() as conn:
            return [_project(conn, p, self.alg) for p, _ in batch]


def _encode_cursor(at: datetime, *keys: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), *keys]).encode()).decode()


def _decode_cursor(cursor: str, n_keys: int) -> tuple[datetime, list[str]]:
    """The instant and the `n_keys` keys of the last row of the page before."""
    try:
        at, *keys = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if len(keys) != n_keys:
            raise ValueError("wrong cursor shape")
        return datetime.fromisoformat(at), [str(k) for k in keys]
    except (ValueError, TypeError) as e:
        raise ValueError("invalid cursor") from e
