"""The worker's sandboxed runner answers the SDK's per-payload context questions without entering the
sandbox (no snippet compiled and run per payload), and answers them exactly as the SDK's own sandboxed
instance does — checked on every question a real case's life asks: workflow, activity and local activity
payloads alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox._runner import _Instance

from tests.workflows.test_doctoral_workstation import filed_case
from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store
from zhanwu.services.workers import main
from zhanwu.services.workers.main import _SandboxedInstance, _SandboxedRunner

asked: list[tuple[Any, Any, bool]] = []  # (the runner's answer, the SDK's, whether the runner entered the sandbox)


class _Compared(_SandboxedInstance):
    """Each answer recorded beside the SDK's own (which enters the sandbox): asserting here would only fail the
    workflow task."""

    entered = False

    def _run_code(self, code: str, **extra_globals: Any) -> None:
        self.entered = True
        super()._run_code(code, **extra_globals)

    def _compare(self, ours: Any, sdks: Any) -> Any:
        self.entered = False
        direct = ours()
        entered = self.entered
        asked.append((direct, sdks(), entered))
        return direct

    def get_serialization_context(self, command_info: Any) -> Any:
        return self._compare(lambda: super(_Compared, self).get_serialization_context(command_info),
                             lambda: _Instance.get_serialization_context(self, command_info))

    def get_external_store_context(self, command_info: Any) -> Any:
        return self._compare(lambda: super(_Compared, self).get_external_store_context(command_info),
                             lambda: _Instance.get_external_store_context(self, command_info))


@dataclass(frozen=True)
class _ComparedRunner(_SandboxedRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Compared(det, self.runner_class, self.restrictions)


async def test_contexts_are_the_sdks_without_entering_the_sandbox(
    env: WorkflowEnvironment, store: Store, task_queue: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    restrictions = main.workflow_runner().restrictions
    monkeypatch.setattr(main, "workflow_runner", lambda: _ComparedRunner(restrictions=restrictions))
    asked.clear()
    async with main.build_worker(env.client, store, task_queue):
        await filed_case(Gateway(env.client, store, task_queue, timeout_s=30))  # activities and projections
    assert asked and all(ours == sdks for ours, sdks, _ in asked)
    assert not any(entered for _, _, entered in asked)
    contexts = [ours for ours, _, _ in asked]
    assert {c.is_local for c in contexts if isinstance(c, ActivitySerializationContext)} == {True, False}
    assert any(isinstance(c, WorkflowSerializationContext) for c in contexts)
