"""The projection activity's store write: idempotent on (case_id, seq), newest snapshot wins, and
the overdue filter reads the open deadlines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from zhanwu.schemas.common import Actor, AuditEvent, CaseSnapshot, Deadline, Projection, Role
from zhanwu.services.store import repository
from zhanwu.services.store.repository import CaseFilter, DeadlineFilter, Store
from zhanwu.workflows.common.lifecycle import Scope

T0 = datetime(2026, 11, 1, tzinfo=UTC)
CITY = Actor(subject="c", role=Role.CITY_OFFICE, region="140700")


def projection(seq: int, state: str, deadlines: list[Deadline] | None = None) -> Projection:
    snap = CaseSnapshot(id="dw-140702-2026-0001", programme="doctoral_workstation", profile="jinzhong@1", state=state,
                        region="140702", title="某公司", version=seq, created_at=T0, updated_at=T0 + timedelta(hours=seq),
                        deadlines=deadlines or [])
    event = AuditEvent(case_id=snap.id, programme=snap.programme, seq=seq, at=snap.updated_at, actor=CITY,
                       action=f"a{seq}", from_state=None, to_state=state)
    return Projection(snapshot=snap, event=event)


async def test_retried_projection_writes_nothing_twice(store: Store) -> None:
    assert await store.project(projection(1, "surveyed")) is True
    assert await store.project(projection(1, "surveyed")) is False
    assert await store.project(projection(2, "cultivating")) is True
    assert await store.project(projection(1, "surveyed")) is False  # a late retry does not roll the case back
    assert [e.seq for e in await store.history("dw-140702-2026-0001")] == [1, 2]
    assert (await store.get_case("dw-140702-2026-0001")).state == "cultivating"


async def test_overdue_filter(store: Store) -> None:
    due = Deadline(kind="rectification", label="整改期限", label_en="rectification deadline", due_at=T0 + timedelta(days=30))
    await store.project(projection(1, "rectifying", [due]))
    f = CaseFilter("doctoral_workstation", overdue=True)
    before, _ = await store.list_cases(f, Scope.of(CITY), T0 + timedelta(days=29), 10, None)
    after, _ = await store.list_cases(f, Scope.of(CITY), T0 + timedelta(days=31), 10, None)
    assert before == [] and [c.id for c in after] == ["dw-140702-2026-0001"]
    met = due.model_copy(update={"met": True})
    await store.project(projection(2, "rectifying", [met]))
    assert (await store.list_cases(f, Scope.of(CITY), T0 + timedelta(days=31), 10, None))[0] == []


def deadline(kind: str, days: int, met: bool = False) -> Deadline:
    return Deadline(kind=kind, label=f"{kind}期限", label_en=kind, due_at=T0 + timedelta(days=days), met=met)


async def test_open_deadlines_follow_the_newest_projection(store: Store) -> None:
    scope, now = Scope.of(CITY), T0 + timedelta(days=31)
    await store.project(projection(1, "rectifying", [deadline("rectification", 30), deadline("report", 60, met=True)]))
    items, _ = await store.list_deadlines(DeadlineFilter(), scope, now, 10, None)
    assert [(d.kind, d.due_at, d.state) for d in items] == [("rectification", T0 + timedelta(days=30), "rectifying")]
    assert [d.kind for d in (await store.list_deadlines(DeadlineFilter(overdue=True), scope, now, 10, None))[0]] == [
        "rectification"]
    assert (await store.list_deadlines(DeadlineFilter(overdue=False), scope, now, 10, None))[0] == []
    assert (await store.list_deadlines(DeadlineFilter(due_before=T0 + timedelta(days=30)), scope, now, 10, None))[0] == []
    await store.project(projection(2, "filed"))
    assert (await store.list_deadlines(DeadlineFilter(), scope, now, 10, None))[0] == []
    await store.project(projection(1, "rectifying", [deadline("rectification", 30)]))  # a late retry changes nothing
    assert (await store.list_deadlines(DeadlineFilter(), scope, now, 10, None))[0] == []


async def test_deadline_pages_soonest_first_within_jurisdiction(store: Store) -> None:
    await store.project(projection(1, "rectifying", [deadline(k, d) for k, d in (("b", 5), ("a", 5), ("c", 1))]))
    seen, cursor = [], None
    while True:
        items, cursor = await store.list_deadlines(DeadlineFilter(), Scope.of(CITY), T0, 1, cursor)
        seen += [d.kind for d in items]
        if cursor is None:
            break
    assert seen == ["c", "a", "b"]
    other = Actor(subject="d", role=Role.DISTRICT_OFFICE, region="140802")
    assert (await store.list_deadlines(DeadlineFilter(), Scope.of(other), T0, 10, None))[0] == []
    assert (await store.list_deadlines(DeadlineFilter(programme="postdoc_workstation"), Scope.of(CITY), T0, 10, None))[0] == []


async def test_instants_compare_as_instants_whatever_their_zone(store: Store) -> None:
    """Snapshots carry Beijing time (+08:00), callers ask in UTC: the store compares the instants."""
    beijing = timezone(timedelta(hours=8))
    due = Deadline(kind="rectification", label="整改期限", label_en="rectification deadline",
                   due_at=datetime(2026, 12, 1, 8, tzinfo=beijing))  # 2026-12-01 00:00 UTC
    await store.project(projection(1, "rectifying", [due]))
    f, scope = CaseFilter("doctoral_workstation", overdue=True), Scope.of(CITY)
    assert [c.id for c in (await store.list_cases(f, scope, datetime(2026, 12, 1, 4, tzinfo=UTC), 10, None))[0]] == [
        "dw-140702-2026-0001"]
    assert (await store.list_cases(f, scope, datetime(2026, 11, 30, 23, tzinfo=UTC), 10, None))[0] == []


async def test_title_search_reads_the_words_alike_on_every_backend(store: Store) -> None:
    p = projection(1, "surveyed")
    await store.project(p.model_copy(update={"snapshot": p.snapshot.model_copy(update={"title": "某公司 ABC_1"})}))

    async def found(q: str) -> bool:
        return bool((await store.list_cases(CaseFilter("doctoral_workstation", q=q), Scope.of(CITY), T0, 10, None))[0])

    assert await found("公司") and await found("abc_1") and await found("dw-140702-2026-0001")
    assert not await found("%") and not await found("ABC%1") and not await found("AB_")  # no wildcards


def case_projection(n: int, seq: int) -> Projection:
    p = projection(seq, "surveyed" if seq == 1 else "cultivating")
    snap = p.snapshot.model_copy(update={"id": f"dw-140702-2026-{n:04d}", "parties": {"host_unit": [f"unit-{n}-{seq}"]}})
    return Projection(snapshot=snap, event=p.event.model_copy(update={"case_id": snap.id}))


async def test_concurrent_projections_land_once_each_in_order_and_chained(store: Store) -> None:
    """Many cases projecting at once (on SQLite they are committed in groups): every caller learns whether
    its own projection wrote, a retry racing its original writes nothing, each case's audit is 1..n and
    the chain verifies."""
    async def one_case(n: int) -> list[list[bool]]:  # per action: the projection and its retry, racing
        return [sorted(await asyncio.gather(*(store.project(case_projection(n, seq)) for _ in range(2))))
                for seq in (1, 2)]

    outcomes = await asyncio.gather(*(one_case(n) for n in range(1, 31)))
    assert outcomes == [[[False, True]] * 2] * 30
    # each caller its own answer: even cases a new action, odd ones a late retry of their last
    late = await asyncio.gather(*(store.project(case_projection(n, 3 if n % 2 == 0 else 2)) for n in range(1, 31)))
    assert late == [n % 2 == 0 for n in range(1, 31)]
    assert all(await asyncio.gather(*(store.project(case_projection(n, 3)) for n in range(1, 31, 2))))
    for n in range(1, 31):
        case_id = f"dw-140702-2026-{n:04d}"
        assert [e.seq for e in await store.history(case_id)] == [1, 2, 3]
        assert (await store.get_case(case_id)).version == 3
        mine, _ = await store.list_cases(CaseFilter("doctoral_workstation"), Scope.of(
            Actor(subject=f"unit-{n}-3", role=Role.HOST_UNIT, region="140702")), T0, 10, None)
        assert [c.id for c in mine] == [case_id]  # the parties as of the last projection
    report = await store.verify_audit()
    assert report.broken is None and report.checked == 90


async def test_a_projection_that_fails_fails_alone(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A projection that cannot be written fails its own caller; those committed with it are written."""
    real = repository._project

    def spoiled(db: Any, p: Projection, alg: Any) -> bool:
        if p.snapshot.id.endswith("0002"):
            raise RuntimeError("spoiled")
        return real(db, p, alg)

    monkeypatch.setattr(repository, "_project", spoiled)
    outcomes = await asyncio.gather(*(store.project(case_projection(n, 1)) for n in (1, 2, 3)), return_exceptions=True)
    assert outcomes[0] is True and outcomes[2] is True and isinstance(outcomes[1], RuntimeError)
    assert [len(await store.history(f"dw-140702-2026-{n:04d}")) for n in (1, 2, 3)] == [1, 0, 1]
    assert (await store.verify_audit()).broken is None
