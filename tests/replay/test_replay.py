"""Recorded histories replay on today's workflow code without non-determinism. A workflow change
that breaks one needs `workflow.patched(...)`; record a new history with `python -m tests.replay.record`."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, WorkflowReplayResult

from tests.replay.record import BOUND_HISTORY_LIMIT, CAN_HISTORY_LIMIT
from zhanwu.services.workers.main import workflow_runner
from zhanwu.workflows.common import case_workflow
from zhanwu.workflows.registry import LIFECYCLES, WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_programme_has_histories_including_continued_runs() -> None:
    names = [p.stem for p in HISTORIES]
    assert {"dw_continued_as_new_run1", "dw_continued_as_new_run2", "dw_full_lifecycle_revoked_by_deadline",
            "dw_local_projection"} <= set(names)
    assert {f"pd_years_of_life_run{i}" for i in range(1, 5)} <= set(names)
    assert {f"dr_residency_run{i}" for i in range(1, 4)} <= set(names)
    assert {f"cs_station_years_run{i}" for i in range(1, 5)} <= set(names)
    assert {f"cm_service_term_run{i}" for i in range(1, 6)} <= set(names)
    assert {f"cs_history_bound_run{i}" for i in range(1, 4)} <= set(names)
    assert {f"cs_patches_assumed_run{i}" for i in range(1, 4)} <= set(names)  # CaseStart.generation 1
    assert {n.split("_")[0] for n in names} == {lc.id_prefix for lc in LIFECYCLES.values()}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if path.stem.startswith("dw_continued_as_new"):
        monkeypatch.setattr(case_workflow, "LEGACY_HISTORY_LIMIT", CAN_HISTORY_LIMIT)
    if path.stem.startswith(("cs_history_bound", "cs_patches_assumed")):
        monkeypatch.setattr(case_workflow, "HISTORY_LIMIT", BOUND_HISTORY_LIMIT)
    assert (await replay(path)).replay_failure is None


async def test_runs_from_before_the_history_bound_keep_their_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run recorded before the patch `history-bound` and longer than today's limit replays as it ran;
    applying today's limit to it (no patch guard) would continue it as new where it did not."""
    path = Path(__file__).parent / "histories" / "cs_station_years_run3.json"  # 153 events, before the patch
    monkeypatch.setattr(case_workflow, "HISTORY_LIMIT", 100)
    assert (await replay(path)).replay_failure is None
    monkeypatch.setattr(case_workflow, "LEGACY_HISTORY_LIMIT", 100)  # as if unguarded
    failure = (await replay(path, raise_on_failure=False)).replay_failure
    assert failure is not None and "nondetermin" in str(failure).lower()


async def replay(path: Path, raise_on_failure: bool = True) -> WorkflowReplayResult:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=list(WORKFLOWS.values()), data_converter=pydantic_data_converter,
                        workflow_runner=workflow_runner())
    return await replayer.replay_workflow(history, raise_on_replay_failure=raise_on_failure)
