"""The worker process: every programme's workflow and the activities that write the store."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from typing import Any, cast

from opentelemetry.trace import Tracer
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker, WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox._runner import _Instance

from zhanwu.services.observability import interceptors, setup_logging, tracer
from zhanwu.services.store.repository import Store, make_engine
from zhanwu.services.workers.activities import CaseActivities
from zhanwu.services.workers.relay import Relay
from zhanwu.settings import Settings
from zhanwu.workflows.registry import WORKFLOWS

# The project's pure packages and their pure dependencies are imported once, not per workflow run.
PASSTHROUGH = ("zhanwu.schemas", "zhanwu.workflows", "transitions", "holidays", "pydantic", "pydantic_core")


class _SandboxedInstance(_Instance):
    """The SDK's sandboxed workflow instance, asked for a payload's serialization or storage context without
    entering the sandbox. The SDK asks once per payload sequence it visits (six visits of every activation
    and its completion) and answers each time by compiling and `exec`-ing a snippet under the sandbox's
    importer (bench.actions: ~2 of the worker's ~13 ms of CPU per action). The answer is a lookup in the
    instance's own state that runs no workflow code and imports nothing, so it is taken directly; the
    workflow itself still runs in the sandbox. (SDK internals: the SDK is pinned to the minor release this
    was written against; tests/workflows/test_runner.py compares every answer with the SDK's own.)"""

    def get_serialization_context(self, command_info: Any) -> Any:
        return self._in_sandbox.get_serialization_context(command_info)

    def get_external_store_context(self, command_info: Any) -> Any:
        return self._in_sandbox.get_external_store_context(command_info)

    @property
    def _in_sandbox(self) -> Any:  # the SDK's InSandbox, which its instance creation put there
        return cast(Any, self.globals_and_locals)["__temporal_in_sandbox"]


@dataclass(frozen=True)
class _SandboxedRunner(SandboxedWorkflowRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _SandboxedInstance(det, self.runner_class, self.restrictions)


def workflow_runner() -> SandboxedWorkflowRunner:
    return _SandboxedRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))


def build_worker(client: Client, store: Store, task_queue: str) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS.values()),
        activities=CaseActivities(store).all(),
        workflow_runner=workflow_runner(),
    )


async def connect(settings: Settings, lazy: bool = False, runtime: Runtime | None = None,
                  tracer: Tracer | None = None) -> Client:
    return await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter, lazy=lazy, runtime=runtime, interceptors=interceptors(tracer),
    )


def metrics_runtime(bind_address: str) -> Runtime:
    """A Temporal runtime that serves the SDK's metrics, and the activities' own, for Prometheus."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address)))


async def run_worker(settings: Settings) -> None:
    setup_logging(settings, "worker")
    runtime = metrics_runtime(settings.worker_metrics_address) if settings.worker_metrics_address else None
    client = await connect(settings, runtime=runtime, tracer=tracer(settings, "worker"))
    engine = make_engine(settings.db_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    store = Store(engine, settings.audit_hash)
    worker = build_worker(client, store, settings.task_queue)
    async with worker, asyncio.TaskGroup() as tasks:
        logging.info("polling task queue %s on %s", settings.task_queue, settings.temporal_address)
        if settings.webhook_relay:
            tasks.create_task(Relay(store.webhooks, settings, (runtime or Runtime.default()).metric_meter).run(stop))
        await stop.wait()
    await engine.dispose()
