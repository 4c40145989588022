"""`zhanwu dev` end to end: the real Temporal dev server, worker and API as processes, over real HTTP.

A doctoral workstation case is driven to `rectifying`; its deadline lapses with nobody calling and the
workflow's timer revokes it. `zhanwu dev` is stopped with SIGINT (every child must exit), started again on
the same var dir, and the case must still be there, unchanged. Then postdoctoral workstations are
applied for, certified in one batch (one refused), one recruits and another is deregistered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.factories import (
    CITY,
    CQ_CITY_OFFICE,
    CQ_DISTRICT,
    DISTRICT,
    DR_DISTRICT,
    DR_HOST,
    HOST,
    agreement,
    application,
    dr_doctor,
    filing,
    matching,
    open_survey,
    pd_host,
    pd_unit,
    recruitment,
)
from tests.prometheus import samples
from zhanwu.schemas.common import Actor
from zhanwu.services.api.auth import mint_token
from zhanwu.settings import Settings

pytestmark = pytest.mark.e2e

DW = "/api/v1/programmes/doctoral_workstation"
PD = "/api/v1/programmes/postdoc_workstation"
DR = "/api/v1/programmes/doctoral_residency"
PD_CODES = ["91500106MA5U7G1X2C", "91500106MA5U7G1X4J", "91500106MA5U7G1X6Q"]
READY_TIMEOUT_S = 90
STOP_TIMEOUT_S = 30
EXPIRY_TIMEOUT_S = 30


def free_ports(n: int) -> list[int]:
    """n distinct ports free on 127.0.0.1 (all held open together while chosen, so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def alive(pid: int) -> bool:
    """Running (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children_of(pid: int) -> set[int]:
    """The direct children of pid (the supervisor starts each in its own session, so not its group)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def wait_until(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


class Dev:
    """Runs `zhanwu dev` with the given configuration; remembers every process it saw, to clean up."""

    def __init__(self, tmp: Path, settings: Settings) -> None:
        self.settings = settings
        self.var = settings.var_dir
        self.out = tmp / "dev-stdout.log"
        self.base_url = f"http://{settings.api_host}:{settings.api_port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.seen: set[int] = set()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANWU_")} | {
            "ZHANWU_VAR_DIR": str(settings.var_dir),
            "ZHANWU_TEMPORAL_ADDRESS": settings.temporal_address,
            "ZHANWU_TEMPORAL_UI_PORT": str(settings.temporal_ui_port),
            "ZHANWU_API_HOST": settings.api_host,
            "ZHANWU_API_PORT": str(settings.api_port),
            "ZHANWU_TASK_QUEUE": settings.task_queue,
            "ZHANWU_WORKER_METRICS_ADDRESS": settings.worker_metrics_address,
            "ZHANWU_JWT_SECRET": settings.jwt_secret,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
        }
        self.cwd = tmp  # away from any .env of the checkout

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with self.out.open("ab") as out:
            out.write(f"--- zhanwu dev started {datetime.now(UTC).isoformat()}\n".encode())
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "zhanwu.cli", "dev"], cwd=self.cwd, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def children(self) -> set[int]:
        """The running supervisor's children now (also remembered, for teardown)."""
        now = children_of(self.proc.pid) if self.proc and self.proc.poll() is None else set()
        self.seen |= now
        return now

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        with httpx.Client(base_url=self.base_url, timeout=5) as http:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, f"zhanwu dev exited early ({self.proc.returncode})"
                try:
                    r = http.get("/readyz")
                    if r.status_code == 200:
                        break
                    last = f"{r.status_code} {r.text}"
                except httpx.TransportError as e:
                    last = repr(e)
                time.sleep(0.25)
            else:
                pytest.fail(f"/readyz not 200 within {timeout_s}s: {last}")
        kids = self.children()
        assert len(kids) == 3, f"expected temporal, worker and api as children, saw {kids}"

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout_s: float = STOP_TIMEOUT_S,
             again: bool = False) -> float:
        """Signal the supervisor; it and all its children must be gone within timeout_s. Returns seconds.
        again: signal it a second time once it is stopping (an impatient second Ctrl-C)."""
        proc = self.proc
        assert proc is not None
        kids = self.children()
        assert kids, "zhanwu dev has no children to stop"
        started = time.monotonic()
        stopping_before = self.out.read_text(errors="replace").count("stopping")
        proc.send_signal(sig)
        if again:
            assert wait_until(
                lambda: self.out.read_text(errors="replace").count("stopping") > stopping_before
                or proc.poll() is not None, 10, 0.02), "zhanwu dev did not start stopping"
            if proc.poll() is None:
                proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"zhanwu dev did not exit within {timeout_s}s of {sig.name}")
        assert rc == 0, f"zhanwu dev exited {rc} on {sig.name}"
        left = time.monotonic() - started
        survivors = {pid for pid in kids if alive(pid)}
        assert not survivors, f"children still running after zhanwu dev exited: {survivors}"
        return left

    def kill_all(self) -> None:
        """Teardown: whatever is still running, by the ids seen, is killed."""
        if self.proc is not None and self.proc.poll() is None:
            self.children()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        for pid in self.seen:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def dump_logs(self) -> None:
        for f in [self.out, *sorted(self.var.glob("*.log"))]:
            if f.exists():
                text = f.read_text(errors="replace")
                print(f"===== {f.name} ({len(text)} chars; last 20000) =====\n{text[-20000:]}")


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[Dev]:
    temporal_port, ui_port, api_port, metrics_port = free_ports(4)
    settings = Settings(
        var_dir=tmp_path / "var", temporal_address=f"127.0.0.1:{temporal_port}", temporal_ui_port=ui_port,
        api_host="127.0.0.1", api_port=api_port, task_queue=f"e2e-{uuid.uuid4().hex[:8]}",
        worker_metrics_address=f"127.0.0.1:{metrics_port}",
        jwt_secret=f"e2e-{uuid.uuid4().hex}",
    )
    d = Dev(tmp_path, settings)
    try:
        yield d
    finally:
        d.kill_all()
        d.dump_logs()  # pytest shows a teardown's output only when the test failed


def test_dev_timer_revokes_and_state_survives_restart(dev: Dev) -> None:
    def auth(actor: Actor) -> dict[str, str]:
        token = mint_token(dev.settings, actor.role, actor.region, actor.subject, timedelta(hours=1), actor.sector)
        return {"Authorization": f"Bearer {token}"}

    def act(http: httpx.Client, case_id: str, action: str, actor: Actor, payload: dict[str, Any] | None = None,
            expect_state: str | None = None) -> dict[str, Any]:
        r = http.post(f"/api/v1/cases/{case_id}/actions/{action}", json=payload or {}, headers=auth(actor))
        assert r.status_code == 200, f"{action}: {r.status_code} {r.text}"
        body = r.json()
        if expect_state:
            assert body["state"] == expect_state, body
        return body

    test_started = time.monotonic()
    temporal_port = int(dev.settings.temporal_address.rsplit(":", 1)[1])
    ports = (temporal_port, dev.settings.temporal_ui_port, dev.settings.api_port)

    # --- first run: drive the case to rectifying, let the deadline lapse --------------------------
    dev.start()
    dev.wait_ready()
    with httpx.Client(base_url=dev.base_url, timeout=30) as http:
        r = http.post(f"{DW}/cases", json=open_survey(), headers=auth(DISTRICT))
        assert r.status_code == 201, r.text
        case_id = r.json()["id"]
        act(http, case_id, "begin_cultivation", DISTRICT, expect_state="cultivating")
        act(http, case_id, "submit_filing", HOST, filing(), expect_state="filing_submitted")
        act(http, case_id, "recommend", DISTRICT, expect_state="recommended")
        act(http, case_id, "approve_filing", CITY, expect_state="filed")
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
        body = act(http, case_id, "issue_rectification", CITY,
                   {"findings": "研发投入连续两年未达承诺", "deadline": due.isoformat()}, expect_state="rectifying")
        assert datetime.fromisoformat(body["data"]["rectification"]["due_at"]) == due
        version_rectifying = body["version"]

        def revoked() -> bool:
            got = http.get(f"/api/v1/cases/{case_id}", headers=auth(CITY))
            assert got.status_code == 200, got.text
            return got.json()["state"] == "revoked"

        assert wait_until(revoked, EXPIRY_TIMEOUT_S, 0.25), f"not revoked {EXPIRY_TIMEOUT_S}s after the deadline"
        assert datetime.now(UTC) >= due  # the timer did not fire early
        case = http.get(f"/api/v1/cases/{case_id}", headers=auth(CITY)).json()
        assert case["version"] == version_rectifying + 2 and case["allowed_actions"] == []
        history = http.get(f"/api/v1/cases/{case_id}/history", headers=auth(CITY)).json()["items"]
        assert [h["action"] for h in history] == [
            "open_survey", "begin_cultivation", "submit_filing", "recommend", "approve_filing",
            "issue_rectification", "remind", "rectification_expired",
        ]
        assert history[6]["payload"]["level"] == "yellow"  # five seconds ahead: within the yellow window at once
        last = history[-1]
        assert last["actor"]["role"] == "system"
        assert (last["from_state"], last["to_state"]) == ("rectifying", "revoked")
        assert datetime.fromisoformat(last["at"]) >= due
        worker_metrics = httpx.get(f"http://{dev.settings.worker_metrics_address}/metrics").text
        fired = samples(worker_metrics, "zhanwu_deadlines_fired")
        assert [v for k, v in fired.items() if ("action", "rectification_expired") in k] == [1], fired
        api_metrics = samples(http.get("/metrics").text, "zhanwu_actions_total")
        assert api_metrics[(("action", "approve_filing"), ("outcome", "accepted"),
                            ("programme", "doctoral_workstation"), ("rule", ""))] == 1

    # --- SIGINT stops everything -----------------------------------------------------------------
    took = dev.stop(signal.SIGINT)
    print(f"first stop took {took:.1f}s")
    assert wait_until(lambda: all(port_free(p) for p in ports), 10), f"ports still taken: {ports}"

    # --- second run on the same var dir: the case is as it was -----------------------------------
    dev.start()
    dev.wait_ready()
    with httpx.Client(base_url=dev.base_url, timeout=30) as http:
        again = http.get(f"/api/v1/cases/{case_id}", headers=auth(CITY))
        assert again.status_code == 200, again.text
        assert again.json()["state"] == "revoked" and again.json()["version"] == case["version"]
        assert {k: v for k, v in again.json().items() if k != "deadlines"} == {
            k: v for k, v in case.items() if k != "deadlines"}
        assert http.get(f"/api/v1/cases/{case_id}/history", headers=auth(CITY)).json()["items"] == history

        # --- postdoctoral workstations: a certification round, a recruitment, a deregistration ------
        stations = []
        for code in PD_CODES:
            r = http.post(f"{PD}/cases", json=pd_unit(code), headers=auth(pd_host(code)))
            assert r.status_code == 201, r.text
            stations.append(r.json()["id"])
        for code, station in zip(PD_CODES[:2], stations, strict=False):
            act(http, station, "submit_application", pd_host(code), application(), expect_state="submitted")
            act(http, station, "district_recommend", CQ_DISTRICT, expect_state="district_recommended")
        r = http.post(f"{PD}/batches", json={"action": "certify", "case_ids": stations, "payload": {"batch": "2026年第4批"}},
                      headers=auth(CQ_CITY_OFFICE) | {"Idempotency-Key": f"round-{uuid.uuid4().hex[:8]}"})
        assert r.status_code == 200 and [i["status"] for i in r.json()["items"]] == [200, 200, 409], r.text
        today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
        recruited = act(http, stations[0], "record_recruitment", pd_host(PD_CODES[0]), recruitment(today),
                        expect_state="certified")  # a new run since certification: the case continued as new
        assert recruited["data"]["window"]["start_kind"] == "recruitment" and len(recruited["deadlines"]) == 2
        act(http, stations[1], "deregister", CQ_CITY_OFFICE, {"reason": "serious_violation", "evidence": "调查结论"},
            expect_state="deregistered")
        trail = http.get(f"/api/v1/cases/{stations[0]}/history", headers=auth(CQ_CITY_OFFICE)).json()["items"]
        assert [(h["seq"], h["action"]) for h in trail] == list(enumerate(
            ["create_application", "submit_application", "district_recommend", "certify", "record_recruitment"], 1))

        # --- a doctor resident in an enterprise: agreement, residence, a report, a round refused ------
        r = http.post(f"{DR}/cases", json=matching(), headers=auth(dr_doctor()))
        assert r.status_code == 201, r.text
        residency = r.json()["id"]
        short = http.post(f"/api/v1/cases/{residency}/actions/sign_agreement", json=agreement(term_months=6),
                          headers=auth(DR_HOST))
        assert short.status_code == 409 and (short.json()["rule"], short.json()["clause"]) == ("DR-TERM", "001 第七条")
        act(http, residency, "sign_agreement", DR_HOST, agreement(), expect_state="agreed")
        act(http, residency, "file_agreement", DR_DISTRICT, expect_state="filed")
        started = act(http, residency, "start_residency", DR_HOST, {"position": "technology_service_officer"},
                      expect_state="in_residence")
        assert [d["kind"] for d in started["deadlines"]] == ["quarterly_report", "annual_evaluation", "term_end"]
        reported = act(http, residency, "submit_quarterly_report", dr_doctor(), {"report": "完成首季度工作"})
        assert reported["data"]["reports"][0]["late"] is False  # after continue-as-new at the start of residence
        early = http.post(f"{DR}/evaluations", json={"round": "2027", "entries": [
            {"case_id": residency, "result": "competent"}]}, headers=auth(DR_DISTRICT))
        assert early.status_code == 409 and early.json()["rule"] == "DR-EVALUATION-AWAITED", early.text
        supervised = http.get("/api/v1/deadlines", params={"programme": "doctoral_residency"},
                              headers=auth(DR_DISTRICT)).json()["items"]
        assert [(d["case_id"], d["kind"]) for d in supervised][:1] == [(residency, "quarterly_report")]
    took = dev.stop(signal.SIGTERM, again=True)  # a second signal while stopping must not orphan children
    print(f"second stop took {took:.1f}s")
    assert wait_until(lambda: all(port_free(p) for p in ports), 10), f"ports still taken: {ports}"
    print(f"e2e took {time.monotonic() - test_started:.1f}s")
