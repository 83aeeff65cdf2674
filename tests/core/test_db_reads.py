"""`HduceEngine.fetchrow` and `one_connection`: raw reads on the shared pool or transaction."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from hduce.core.db import HduceEngine, open_database
from hduce.piccolo_conf import DB

PID = "SELECT pg_backend_pid() AS pid"
SETTING = "SELECT current_setting('hduce.probe', true) AS value"


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[HduceEngine]:
    """The engine with its pool open."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        yield DB


async def test_fetchrow_reads_inside_the_current_transaction(db: HduceEngine) -> None:
    async with db.transaction():
        await db.run_ddl("SELECT set_config('hduce.probe', 'inside', true)")
        row = await db.fetchrow(SETTING)
        assert row is not None and row["value"] == "inside"
    row = await db.fetchrow(SETTING)
    assert row is not None and not row["value"]
    assert await db.fetchrow("SELECT 1 AS one WHERE false") is None


async def test_one_connection_serves_every_read_of_the_block(db: HduceEngine) -> None:
    async with db.one_connection():
        first, second = await db.fetchrow(PID), await db.fetchrow(PID)
        assert first is not None and second is not None
        assert first["pid"] == second["pid"]
        # Tasks started inside copy the context but must not share the pinned connection.
        rows = await asyncio.gather(*(db.fetchrow(PID) for _ in range(4)))
        assert all(row is not None for row in rows)
    async with db.transaction():
        inside = await db.fetchrow(PID)
        async with db.one_connection():
            assert await db.fetchrow(PID) == inside
