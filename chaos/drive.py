"""Doctoral-workstation lifecycles driven over HTTP as a careful client would (an Idempotency-Key on
every write, a 503 retried with the same key, bounded), and the checks every scenario makes after."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from temporalio.client import Client

from tests.factories import CITY, DISTRICT, HOST, filing, open_survey
from zhanwu.schemas.common import Actor, CaseSnapshot
from zhanwu.services.store.repository import Store

DW = "/api/v1/programmes/doctoral_workstation"
FILED = ["open_survey", "begin_cultivation", "submit_filing", "recommend", "approve_filing"]
RETRY_FOR_S = 180  # a write still 503 after this long is a violation
RETRY_EVERY_S = 1.0
MIN_LEAD = timedelta(seconds=20)  # a deadline is issued at least this far ahead: a retried issue (503) still
# reaches the case before it, or the case refuses it DW-DEADLINE (the longest write seen under kills: 12 s)
FAILED = ("Failed", "TimedOut", "Terminated", "Canceled")


@dataclass(frozen=True)
class Plan:
    """The actions a run sends after opening, the audit it must leave (reminders aside) and its end."""

    name: str
    sends: tuple[str, ...]
    audit: tuple[str, ...]
    end: str


PLANS = {p.name: p for p in (
    Plan("withdrawn", ("begin_cultivation", "submit_filing", "withdraw"),
         ("open_survey", "begin_cultivation", "submit_filing", "withdraw"), "withdrawn"),
    Plan("restored", (*FILED[1:], "issue_rectification", "submit_rectification", "accept_rectification"),
         (*FILED, "issue_rectification", "submit_rectification", "accept_rectification"), "filed"),
    Plan("rejected", (*FILED[1:], "issue_rectification", "submit_rectification", "reject_rectification"),
         (*FILED, "issue_rectification", "submit_rectification", "reject_rectification"), "revoked"),
    Plan("lapsed", (*FILED[1:], "issue_rectification"),  # the deadline revokes it by itself
         (*FILED, "issue_rectification", "rectification_expired"), "revoked"),
)}
ACTORS: dict[str, Actor] = {"begin_cultivation": DISTRICT, "submit_filing": HOST, "recommend": DISTRICT,
                            "approve_filing": CITY, "issue_rectification": CITY, "submit_rectification": HOST,
                            "accept_rectification": CITY, "reject_rectification": CITY, "withdraw": HOST}


@dataclass
class Run:
    plan: Plan
    tag: str
    case_id: str | None = None
    due: datetime | None = None  # the rectification deadline set
    done: bool = False


def payload(action: str, run: Run, due: datetime) -> dict[str, Any]:
    match action:
        case "submit_filing":
            return filing(lead_id=f"chaos-{run.tag}")  # a lead leads one station: one per run
        case "issue_rectification":
            return {"findings": "研发投入未达承诺", "deadline": due.isoformat()}
        case "submit_rectification":
            return {"report": "已补足研发投入"}
        case "withdraw" | "reject_rectification":
            return {"reason": "不再具备建站条件"}
    return {}


@dataclass
class Driver:
    """An HTTP client with the API's tokens; counts every answer, and records what must not happen."""

    http: httpx.AsyncClient
    tokens: dict[str, str]
    answers: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, base_url: str, token: Any) -> Driver:
        return cls(httpx.AsyncClient(base_url=base_url, timeout=90),
                   {a.subject: token(a) for a in (CITY, DISTRICT, HOST)})

    def headers(self, actor: Actor, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor.subject]}"} | ({"Idempotency-Key": key} if key else {})

    async def write(self, path: str, actor: Actor, body: dict[str, Any], key: str) -> dict[str, Any] | None:
        """POST until it succeeds: a 503 (or no answer) is retried with the same key; anything else but
        success is a violation, and so is still failing after RETRY_FOR_S."""
        started = time.monotonic()
        while time.monotonic() - started < RETRY_FOR_S:
            try:
                r = await self.http.post(path, json=body, headers=self.headers(actor, key))
            except httpx.TransportError as e:
                self.answers[f"no answer ({type(e).__name__})"] += 1
            else:
                if r.status_code in (200, 201):
                    self.answers[str(r.status_code)] += 1
                    self.latencies.append(time.monotonic() - started)
                    return r.json()  # type: ignore[no-any-return]
                if r.status_code != 503 or r.headers.get("content-type") != "application/problem+json":
                    self.answers[str(r.status_code)] += 1
                    self.violations.append(f"POST {path} [{key}]: {r.status_code} {r.text[:300]}")
                    return None
                self.answers["503 accepted" if r.json().get("accepted") else "503"] += 1
            await asyncio.sleep(RETRY_EVERY_S)
        self.violations.append(f"POST {path} [{key}]: still unavailable after {RETRY_FOR_S}s")
        return None

    async def read(self, path: str) -> int:
        """One GET as the city office; a 500 or an answer that is not problem+json is a violation."""
        try:
            r = await self.http.get(path, headers=self.headers(CITY))
        except httpx.TransportError as e:
            self.answers[f"read: no answer ({type(e).__name__})"] += 1
            return 0
        self.answers[f"read {r.status_code}"] += 1
        if r.status_code not in (200, 503) or (r.status_code == 503 and "problem+json" not in r.headers["content-type"]):
            self.violations.append(f"GET {path}: {r.status_code} {r.text[:300]}")
        return r.status_code

    async def drive(self, run: Run, due: datetime | None = None) -> None:
        """Open the case and send the plan's actions; a lapsing plan's deadline is `due` (else a day ahead)."""
        opened = await self.write(f"{DW}/cases", DISTRICT, open_survey(), f"{run.tag}-open")
        if opened is None:
            return
        run.case_id = opened["id"]
        for action in run.plan.sends:
            if action == "issue_rectification":  # a plan that reports in time gets a day
                lapses = "rectification_expired" in run.plan.audit
                run.due = max(due, datetime.now(UTC) + MIN_LEAD) if due and lapses else \
                    datetime.now(UTC) + timedelta(days=1)
            body = payload(action, run, run.due or datetime.now(UTC))
            if await self.write(f"/api/v1/cases/{run.case_id}/actions/{action}", ACTORS[action], body,
                                f"{run.tag}-{action}") is None:
                return
        run.done = True

    def figures(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {"answers": dict(sorted(self.answers.items())),
                "write latency s (p50/p99/max)": f"{statistics.median(lat):.2f} / {lat[int(0.99 * (len(lat) - 1))]:.2f}"
                                                f" / {lat[-1]:.2f}" if lat else "-"}


async def converge(store: Store, client: Client, runs: list[Run], timeout_s: float) -> float | None:
    """Seconds until every case's read model equals its workflow's state and has reached its end; None
    if it does not within timeout_s."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            if all([await _settled(store, client, r) for r in runs if r.done]):  # the rest: violations
                return time.monotonic() - started
        except Exception:  # noqa: BLE001 - a store or Temporal still coming back: look again
            pass
        await asyncio.sleep(1)
    return None


async def _settled(store: Store, client: Client, run: Run) -> bool:
    assert run.case_id
    case = await store.get_case(run.case_id)
    wf = await client.get_workflow_handle(run.case_id).query("case", result_type=CaseSnapshot)
    return case is not None and case.state == run.plan.end and case == wf


async def check(store: Store, client: Client, runs: list[Run]) -> list[str]:
    """Every run reached its end; its audit is contiguous (no gap, no duplicate) and holds exactly the
    plan's actions, each once; the read model equals the workflow's state; a lapsed deadline fired once
    and not early; the Temporal namespace holds every case and no failed workflow."""
    bad: list[str] = []
    for run in runs:
        if not (run.done and run.case_id):
            bad.append(f"{run.tag}: the run did not complete ({run.case_id})")
            continue
        cid = run.case_id
        case = await store.get_case(cid)
        wf = await client.get_workflow_handle(cid).query("case", result_type=CaseSnapshot)
        if case is None or wf is None:
            bad.append(f"{cid}: lost (store {case is not None}, workflow {wf is not None})")
            continue
        if (case.state, wf.state) != (run.plan.end, run.plan.end):
            bad.append(f"{cid} ({run.plan.name}): state {case.state} in the store, {wf.state} in the workflow, "
                       f"expected {run.plan.end}")
        if case != wf:
            bad.append(f"{cid}: read model (version {case.version}) differs from the workflow (version {wf.version})")
        history = await store.history(cid)
        if [e.seq for e in history] != list(range(1, len(history) + 1)) or (history and history[-1].seq != wf.version):
            bad.append(f"{cid}: audit seq {[e.seq for e in history]} not contiguous to version {wf.version}")
        actions = tuple(e.action for e in history if e.action != "remind")
        if actions != run.plan.audit:
            bad.append(f"{cid}: audit {actions}, expected {run.plan.audit}")
        reminders = [str(sorted(e.payload.items())) for e in history if e.action == "remind"]
        if len(reminders) != len(set(reminders)):
            bad.append(f"{cid}: a reminder recorded twice: {reminders}")
        fired = [e for e in history if e.action == "rectification_expired"]
        if run.plan.name == "lapsed" and run.due and fired and fired[0].at < run.due:
            bad.append(f"{cid}: the deadline {run.due.isoformat()} fired early, at {fired[0].at.isoformat()}")
    failed = await client.count_workflows(" OR ".join(f"ExecutionStatus = '{s}'" for s in FAILED))
    if failed.count:
        bad.append(f"{failed.count} workflows failed, timed out, were terminated or cancelled")
    total = (await client.count_workflows("WorkflowType = 'doctoral_workstation'")).count
    if total != len(runs):
        bad.append(f"{total} case workflows in Temporal for {len(runs)} runs")
    return bad


def report(title: str, figures: dict[str, Any], violations: list[str]) -> int:
    """Print the figures and the violations (the first 30); the exit status: 1 on any violation."""
    print(f"== {title}")
    for k, v in figures.items():
        print(f"  {k:<38} {v}")
    print(f"  {'violations':<38} {len(violations)}")
    for v in violations[:30]:
        print(f"    - {v}")
    return 1 if violations else 0
