"""Alembic environment: runs the migrations on the async engine of the configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from zhanwu.services.store.models import Base, modelled
from zhanwu.services.store.repository import make_engine

# Replicas each run `zhanwu migrate` as they start (an initContainer per pod): one at a time, so the later
# ones read the version the first wrote instead of applying the same revisions again and failing.
LOCK = 0x7A68616E7775  # "zhanwu": the key of the PostgreSQL advisory lock


def _one_at_a_time(connection: Connection) -> None:
    """PostgreSQL: lock out other migrations until this transaction ends, before reading the store's
    version (SQLite's are locked out by `migrate.upgrade`: SQLite ends its transaction between revisions)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK})


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      include_name=modelled)
    with context.begin_transaction():
        _one_at_a_time(connection)
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


asyncio.run(_main())
