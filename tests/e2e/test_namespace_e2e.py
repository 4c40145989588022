"""`zhanwu namespace`, the production setup of Temporal (deploy/): against a real Temporal dev server that
lacks the namespace, it registers it with the retention from the environment and the search attributes;
run again with another retention, it updates the namespace. Each run exits 0, as a one-shot job must."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from tests.e2e.test_dev_e2e import free_ports
from zhanwu.cli import _temporal_binary
from zhanwu.workflows.common.case_workflow import SEARCH_ATTRIBUTES

pytestmark = pytest.mark.e2e

NAMESPACE = "zhanwu-prod"


@pytest.fixture
def temporal(tmp_path: Path) -> Iterator[str]:
    """A dev server with only its `default` namespace; yields its address."""
    port, ui_port = free_ports(2)
    proc = subprocess.Popen(
        [_temporal_binary(), "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
         "--ui-port", str(ui_port), "--db-filename", str(tmp_path / "temporal.db"), "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_namespace(address: str, tmp: Path, retention_days: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANWU_")} | {
        "ZHANWU_TEMPORAL_ADDRESS": address,
        "ZHANWU_TEMPORAL_NAMESPACE": NAMESPACE,
        "ZHANWU_NAMESPACE_RETENTION_DAYS": str(retention_days),
    }
    return subprocess.run([sys.executable, "-m", "zhanwu.cli", "namespace"], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=90)


async def retention_and_attributes(address: str) -> tuple[timedelta, dict[str, int]]:
    client = await Client.connect(address, namespace=NAMESPACE)
    ns = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=NAMESPACE))
    attrs = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=NAMESPACE))
    return ns.config.workflow_execution_retention_ttl.ToTimedelta(), dict(attrs.custom_attributes)


async def test_namespace_is_registered_then_updated_from_the_environment(temporal: str, tmp_path: Path) -> None:
    first = run_namespace(temporal, tmp_path, 3650)
    assert first.returncode == 0, first.stderr
    assert f"namespace {NAMESPACE}: retention 3650 days" in first.stdout
    retention, attrs = await retention_and_attributes(temporal)
    assert retention == timedelta(days=3650)
    assert {k.name: attrs.get(k.name) for k in SEARCH_ATTRIBUTES} == {
        k.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for k in SEARCH_ATTRIBUTES}

    again = run_namespace(temporal, tmp_path, 400)
    assert again.returncode == 0, again.stderr
    retention, _ = await retention_and_attributes(temporal)
    assert retention == timedelta(days=400)
