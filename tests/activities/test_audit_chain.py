"""The audit's hash chain on each backend: projections chain their records (in the audit and per case),
1,000 random tamperings are each detected at the right record, concurrent projections never fork the
chain, and the algorithm may change under a running chain."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from tests.activities.audit_cases import CASES, projections, write
from zhanwu import cli
from zhanwu.services.store.chain import ALGORITHMS, CONTENT, LINKS, Break, _sm3_gmssl
from zhanwu.services.store.models import AuditHead, AuditRecord
from zhanwu.services.store.repository import Store, check_audit

AUDIT = AuditRecord.__table__


async def test_projections_form_one_chain_and_one_per_case(store: Store) -> None:
    n = await write(store)
    report = await store.verify_audit()
    assert (report.checked, report.broken) == (n, None)
    async with store.session() as db:
        rows = (await db.scalars(select(AuditRecord).order_by(AuditRecord.id))).all()
        head = await db.get(AuditHead, 1)
    assert head is not None and (head.records, head.hash) == (n, rows[-1].hash) == (n, report.head)
    assert rows[0].prev_hash is None and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    for case_id, *_, actions in CASES:
        mine = [r for r in rows if r.case_id == case_id]
        assert [r.case_prev_hash for r in mine] == [None, *(r.hash for r in mine[:-1])]
        assert (await store.verify_audit(case_id)).checked == len(actions)
    assert await store.project(projections()[0]) is False  # a retried projection does not extend the chain
    assert (await store.verify_audit()).checked == n


def _mutated(column: str, value: Any) -> Any:
    """A different value of the same kind and size (a region keeps its 6 characters)."""
    if column == "seq":
        return value + 100
    if column in ("at", "recorded_at"):
        return value + timedelta(microseconds=1)
    if column == "rules":
        return [*value, "X-RULE"]
    if column == "payload":
        return value | {"说明": value["说明"] + "。"}
    if column == "hash_alg":
        return "sm3" if value == "sha256" else "sha256"
    if value is None:
        return "0" * 64
    return value[:-1] + ("0" if value[-1] != "0" else "1")


async def test_every_random_tampering_is_detected_at_its_record(store: Store) -> None:
    """1,000 trials, each one tampering inside a transaction, verified there, then rolled back."""
    await write(store)
    rng = random.Random(7)
    kinds: Counter[str] = Counter()
    async with store.engine.connect() as conn:
        rows = [dict(r) for r in (await conn.execute(select(AUDIT).order_by(AUDIT.c.id))).mappings().all()]
    ids = [r["id"] for r in rows]
    async with store.engine.connect() as conn:
        for _ in range(1000):
            await conn.begin()
            k = rng.randrange(len(rows))
            r = rows[k]
            kind = rng.choice(["alter", "delete", "swap_order", "swap_seq", "move_to_end"])
            if kind == "alter":
                column = rng.choice([*CONTENT, *LINKS, "hash"])
                new = _mutated(column, r[column])
                await conn.execute(update(AUDIT).where(AUDIT.c.id == r["id"]).values({column: new}))
                seen = r | {column: new}
                expected = Break("altered", r["id"], seen["case_id"], seen["seq"], "")
            elif kind == "delete":
                await conn.execute(delete(AUDIT).where(AUDIT.c.id == r["id"]))
                nxt = rows[k + 1] if k + 1 < len(rows) else None
                expected = (Break("missing", nxt["id"], nxt["case_id"], nxt["seq"], "") if nxt
                            else Break("missing", None, r["case_id"], r["seq"], ""))
            elif kind == "swap_order":  # two records trade places in the audit, content untouched
                a, b = sorted(rng.sample(range(len(rows)), 2))
                for old, new in ((ids[a], -1), (ids[b], ids[a]), (-1, ids[b])):
                    await conn.execute(update(AUDIT).where(AUDIT.c.id == old).values(id=new))
                expected = Break("out_of_order", ids[a], rows[b]["case_id"], rows[b]["seq"], "")
            elif kind == "swap_seq":  # two records of one case trade their seq
                case = [i for i, x in enumerate(rows) if x["case_id"] == r["case_id"]]
                a, b = sorted(rng.sample(case, 2))
                for i, new in ((a, -1), (b, rows[a]["seq"]), (a, rows[b]["seq"])):
                    await conn.execute(update(AUDIT).where(AUDIT.c.id == ids[i]).values(seq=new))
                expected = Break("altered", ids[a], r["case_id"], rows[b]["seq"], "")
            else:  # one record moved to the end of the audit
                k = min(k, len(rows) - 2)
                await conn.execute(update(AUDIT).where(AUDIT.c.id == ids[k]).values(id=ids[-1] + 1))
                nxt = rows[k + 1]
                expected = Break("out_of_order", nxt["id"], nxt["case_id"], nxt["seq"], "")
            report = await conn.run_sync(check_audit)
            await conn.rollback()
            assert report.broken is not None, f"{kind} of #{r['id']} undetected"
            assert replace(report.broken, detail="") == expected, (kind, r["id"], str(report.broken))
            kinds[report.broken.kind] += 1
        assert (await conn.run_sync(check_audit)).broken is None  # every trial was rolled back
    assert min(kinds.values()) > 100 and set(kinds) == {"altered", "missing", "out_of_order"}


async def test_a_case_chain_names_its_own_break(store: Store) -> None:
    await write(store)
    case_id = CASES[0][0]
    async with store.session.begin() as db:
        await db.execute(delete(AuditRecord).where(AuditRecord.case_id == case_id, AuditRecord.seq == 2))
    broken = (await store.verify_audit(case_id)).broken
    assert broken and (broken.kind, broken.case_id, broken.seq) == ("missing", case_id, 3)
    assert (await store.verify_audit(CASES[1][0])).broken is None  # another case's chain is whole
    async with store.session.begin() as db:  # the case's last record gone: its read model is at a later version
        await db.execute(delete(AuditRecord).where(AuditRecord.case_id == CASES[1][0], AuditRecord.seq == 5))
    broken = (await store.verify_audit(CASES[1][0])).broken
    assert broken and (broken.kind, broken.position, broken.seq) == ("missing", None, 5)


async def test_concurrent_projections_never_fork_the_chain(store: Store) -> None:
    """40 cases projected at once, each case's actions in order (the workflow's lock keeps them so)."""
    template = [p for p in projections() if p.event.case_id == CASES[0][0]]

    async def one_case(i: int) -> None:
        for p in template:
            case_id = f"dw-140702-2026-{i:04d}"
            await store.project(p.model_copy(update={
                "snapshot": p.snapshot.model_copy(update={"id": case_id}),
                "event": p.event.model_copy(update={"case_id": case_id})}))

    await asyncio.gather(*(one_case(i) for i in range(40)))
    report = await store.verify_audit()
    assert (report.checked, report.broken) == (40 * len(template), None)


async def test_the_algorithm_may_change_under_a_running_chain(store: Store) -> None:
    ps = projections()
    await Store(store.engine, "sm3").project(ps[0])
    for p in ps[1:]:
        await store.project(p)
    async with store.session() as db:
        algs = (await db.scalars(select(AuditRecord.hash_alg).order_by(AuditRecord.id))).all()
    assert algs[0] == "sm3" and set(algs[1:]) == {"sha256"}
    assert (await store.verify_audit()).broken is None


async def test_verify_exits_1_naming_the_first_broken_record(
    store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`zhanwu audit verify [--case ID]`, the CLI in this process (its own event loop, so in a thread)."""
    n = await write(store)
    monkeypatch.setenv("ZHANWU_DATABASE_URL", str(store.engine.url))
    await asyncio.to_thread(cli.main, ["audit", "verify"])
    assert f"intact (the audit): {n} records" in capsys.readouterr().out
    async with store.session.begin() as db:
        seventh = (await db.scalars(select(AuditRecord).order_by(AuditRecord.id).offset(6).limit(1))).one()
        seventh.actor_subject = "someone-else"
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(cli.main, ["audit", "verify"])
    assert exited.value.code == 1
    assert f"broken (the audit): #{seventh.id} (case pd-500106-2026-0001, seq 2): altered" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        await asyncio.to_thread(cli.main, ["audit", "verify", "--case", "pd-500106-2026-0001"])
    assert f"#{seventh.id}" in capsys.readouterr().out
    await asyncio.to_thread(cli.main, ["audit", "verify", "--case", "dw-140702-2026-0001"])  # another case's chain is whole
    assert "intact (case dw-140702-2026-0001): 6 records" in capsys.readouterr().out


@pytest.mark.parametrize("data, hex_digest", [  # GB/T 32905-2016, Appendix A
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
])
def test_sm3_openssl_and_pure_python_agree_with_the_standard(data: bytes, hex_digest: str) -> None:
    assert ALGORITHMS["sm3"](data) == _sm3_gmssl(data) == hex_digest
