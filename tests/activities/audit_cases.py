"""A realistic audit: cases of four programmes, their actions interleaved as they would land, with Chinese
payloads, rules, several actors. Written through the store's projection, as the worker writes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from zhanwu.schemas.common import Actor, AuditEvent, CaseSnapshot, Projection, Role
from zhanwu.services.store.repository import Store

T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))

CASES: list[tuple[str, str, str, list[tuple[str, str, Role]]]] = [
    ("dw-140702-2026-0001", "doctoral_workstation", "140702", [
        ("open_survey", "surveyed", Role.DISTRICT_OFFICE), ("begin_cultivation", "cultivating", Role.DISTRICT_OFFICE),
        ("submit_filing", "filing_submitted", Role.HOST_UNIT), ("recommend", "recommended", Role.DISTRICT_OFFICE),
        ("approve_filing", "filed", Role.CITY_OFFICE), ("issue_rectification", "rectifying", Role.CITY_OFFICE)]),
    ("pd-500106-2026-0001", "postdoc_workstation", "500106", [
        ("apply", "submitted", Role.HOST_UNIT), ("district_recommend", "district_recommended", Role.DISTRICT_OFFICE),
        ("certify", "certified", Role.CITY_OFFICE), ("record_recruitment", "certified", Role.HOST_UNIT),
        ("remind", "certified", Role.SYSTEM)]),
    ("dr-410471-2026-0001", "doctoral_residency", "410471", [
        ("apply", "applied", Role.APPLICANT), ("approve", "in_residence", Role.DISTRICT_OFFICE),
        ("submit_report", "in_residence", Role.APPLICANT), ("record_evaluation", "under_warning", Role.DISTRICT_OFFICE)]),
    ("cm-150200-2026-0001", "commissioner", "150203", [
        ("register", "registered", Role.APPLICANT), ("approve", "serving", Role.CITY_OFFICE),
        ("record_service", "serving", Role.APPLICANT), ("record_result", "qualified", Role.CITY_OFFICE),
        ("renew", "serving", Role.CITY_OFFICE)]),
    ("dw-140702-2026-0002", "doctoral_workstation", "140702", [
        ("open_survey", "surveyed", Role.DISTRICT_OFFICE), ("withdraw", "withdrawn", Role.HOST_UNIT)]),
]


def projections() -> list[Projection]:
    """Each case's actions in order, the cases interleaved round-robin; instants in Beijing time."""
    out: list[Projection] = []
    for step in range(max(len(actions) for *_, actions in CASES)):
        for n, (case_id, programme, region, actions) in enumerate(CASES):
            if step >= len(actions):
                continue
            action, state, role = actions[step]
            at = (T0 + timedelta(days=step * 7 + n, microseconds=step)).astimezone(BEIJING)
            seq = step + 1
            payload: dict[str, Any] = {"说明": f"第{seq}步：{action}", "n": seq, "score": 85.5 + step,
                                       "detail": {"单位": "某新材料有限公司", "items": [1, "二", None, True]}}
            snap = CaseSnapshot(id=case_id, programme=programme, profile="p@1", state=state, region=region,
                                title=f"案件{n}", version=seq, created_at=T0, updated_at=at)
            event = AuditEvent(case_id=case_id, programme=programme, seq=seq, at=at,
                               actor=Actor(subject=f"{role.value}-{n}", role=role, region=region), action=action,
                               from_state=actions[step - 1][1] if step else None, to_state=state,
                               rules=[f"R-{programme[:2].upper()}-{k}" for k in range(step % 3)], payload=payload)
            out.append(Projection(snapshot=snap, event=event, final=state == "withdrawn"))
    return out



async def write(store: Store) -> int:
    """Project the whole set; returns how many records."""
    ps = projections()
    for p in ps:
        assert await store.project(p)
    return len(ps)
