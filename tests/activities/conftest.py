"""The store's tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.postgres import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
