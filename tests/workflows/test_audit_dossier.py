"""A case's dossier: the read model, its audit records with hashes and every run of its Temporal history,
written by `zhanwu audit export` against the real (time-skipping) server; it re-verifies offline, and a
dossier tampered with names its broken record."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.activities.audit_cases import write
from tests.factories import CITY, DISTRICT, HOST, filing, open_survey
from tests.gateway import fire
from zhanwu.services import dossier
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common import case_workflow
from zhanwu.workflows.doctoral_workstation.machine import LIFECYCLE as DW

pytestmark = pytest.mark.usefixtures("worker")


async def continued_case(gw: Gateway, monkeypatch: pytest.MonkeyPatch) -> str:
    """A filed case whose workflow continued as new (a short history limit), so it has several runs."""
    monkeypatch.setattr(case_workflow, "HISTORY_LIMIT", 40)
    case_id = (await gw.open(DW, "open_survey", DISTRICT, open_survey(), None)).id
    await fire(gw, case_id, "begin_cultivation", DISTRICT)
    await fire(gw, case_id, "submit_filing", HOST, filing())
    await fire(gw, case_id, "recommend", DISTRICT)
    await fire(gw, case_id, "approve_filing", CITY)
    for tier in ("demonstration", "key_improvement") * 3:
        await fire(gw, case_id, "set_tier", CITY, {"tier": tier})
    return case_id


def zhanwu(*args: str, url: str, address: str = "127.0.0.1:1") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"ZHANWU_DATABASE_URL": url, "ZHANWU_TEMPORAL_ADDRESS": address, "ZHANWU_TEMPORAL_TIMEOUT_S": "5"}
    return subprocess.run([sys.executable, "-m", "zhanwu.cli", "audit", *args], env=env, capture_output=True,
                          text=True, timeout=120)


async def test_export_holds_every_run_and_reverifies_offline(
    gw: Gateway, store: Store, env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = await continued_case(gw, monkeypatch)
    out = tmp_path / "dossier.json"
    address = env.client.service_client.config.target_host
    done = zhanwu("export", case_id, "--out", str(out), url=str(store.engine.url), address=address)
    assert done.returncode == 0, done.stderr
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["format"] == dossier.FORMAT and d["case"]["state"] == "filed" and d["case"]["version"] == 11
    assert [r["seq"] for r in d["audit"]] == list(range(1, 12)) and all(len(r["hash"]) == 64 for r in d["audit"])
    runs = d["workflow"]["runs"]
    assert d["workflow"]["retained"] is True and len(runs) >= 2
    assert runs[-1]["run_id"] == (await env.client.get_workflow_handle(case_id).describe()).run_id
    assert [r["events"][0]["eventType"] for r in runs] == ["EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"] * len(runs)
    assert runs[-1]["events"][0]["workflowExecutionStartedEventAttributes"]["continuedExecutionRunId"] == runs[-2]["run_id"]
    report = dossier.verify(d)
    assert (report.checked, report.broken, report.head) == (11, None, d["audit"][-1]["hash"])
    done = zhanwu("verify", "--dossier", str(out), url=str(store.engine.url))
    assert done.returncode == 0 and "11 records" in done.stdout, done.stdout + done.stderr

    def broken(change) -> tuple[str, int | None, int | None]:
        tampered = copy.deepcopy(d)
        change(tampered["audit"])
        b = dossier.verify(tampered).broken
        assert b is not None
        return b.kind, b.position, b.seq

    ids = [r["id"] for r in d["audit"]]
    assert broken(lambda a: a[3]["payload"].update(tier="x")) == ("altered", ids[3], 4)
    assert broken(lambda a: a.pop(5)) == ("missing", ids[6], 7)
    assert broken(lambda a: a.insert(2, a.pop(6))) == ("out_of_order", ids[6], 7)
    assert broken(lambda a: a.pop()) == ("missing", None, 11)  # the case is at version 11


async def test_a_case_temporal_no_longer_holds_is_exported_saying_so(store: Store, tmp_path: Path) -> None:
    await write(store)  # projected straight into the store: Temporal has never run these cases
    done = zhanwu("export", "dw-140702-2026-0001", url=str(store.engine.url))
    assert done.returncode == 0, done.stderr
    d = json.loads(done.stdout)
    assert d["workflow"]["retained"] is False and d["workflow"]["runs"] == []
    assert "Temporal unreachable" in d["workflow"]["note"] and len(d["audit"]) == 6
    assert dossier.verify(d).broken is None
    missing = zhanwu("export", "dw-140702-2026-0404", url=str(store.engine.url))
    assert missing.returncode == 1 and "no case dw-140702-2026-0404" in missing.stderr

