"""The gateway the workflow tests fire actions through: real client, real store, 30 s timeout."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from zhanwu.services.api.gateway import Gateway
from zhanwu.services.store.repository import Store


@pytest.fixture
def gw(env: WorkflowEnvironment, store: Store, task_queue: str) -> Gateway:
    return Gateway(env.client, store, task_queue, timeout_s=30)
