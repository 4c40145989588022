from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz.stack import Stack


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One whole service for the fuzzers of this package."""
    with Stack(Path(tmp_path_factory.mktemp("fuzz"))) as s:
        yield s
