"""The projection activity's store write: idempotent on (case_id, seq), newest snapshot wins, and
the overdue filter reads the open deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from zhanwu.schemas.common import Actor, AuditEvent, CaseSnapshot, Deadline, Projection, Role
from zhanwu.services.store.repository import CaseFilter, Store
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
