"""Alembic, configured in code: `zhanwu migrate` and the tests call `upgrade(url)`."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    with _one_at_a_time(url):
        command.upgrade(alembic_config(url), revision)


@contextlib.contextmanager
def _one_at_a_time(url: str) -> Iterator[None]:
    """Processes migrating one SQLite file take turns on a lock file beside it (PostgreSQL's migrations
    take an advisory lock in their transaction: migrations/env.py)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
        yield
        return
    with open(f"{u.database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


async def upgrade_async(url: str, revision: str = "head") -> None:
    """For callers already inside an event loop (env.py runs its own)."""
    await asyncio.to_thread(upgrade, url, revision)
