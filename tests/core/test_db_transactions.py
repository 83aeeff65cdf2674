"""Transactions whose connection dies: the task and the pool must stay usable afterwards.

Seen on main: after a PostgreSQL outage the telemetry writer failed every batch forever with
"connection has been released back to the pool". Piccolo's transaction exit rolls back first and
only then releases the connection and resets the task's current transaction: when the rollback
itself fails (the connection is gone) neither happens, so the task keeps "joining" a dead
transaction and the pool loses a connection for good.
"""

from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest

from hduce.core.config import Settings
from hduce.core.db import Database, HduceEngine, open_database

CONNECTION_LOST = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # the server's goodbye can cross the COMMIT on the wire
    OSError,
)


class Boom(Exception):
    """The error that ends the block while its connection is already gone."""


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[HduceEngine]:
    """An engine of its own with a two-connection pool (a lost one shows at once)."""
    engine = HduceEngine()
    engine.configure(settings.database.url)
    small = msgspec.structs.replace(settings.database, pool_min_size=1, pool_max_size=2)
    async with open_database(engine, small):
        yield engine


async def _kill(settings: Settings, pid: int) -> None:
    killer = await asyncpg.connect(settings.database.url)
    try:
        await killer.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await killer.close()


async def test_a_failed_block_on_a_dead_connection_leaves_the_task_and_pool_usable(
    engine: HduceEngine, settings: Settings
) -> None:
    db = Database(engine)
    for _ in range(3):  # more than the pool holds: a leaked connection would starve it
        with pytest.raises((Boom, *CONNECTION_LOST)):
            async with db.transaction():
                await _kill(settings, await db.fetchval("SELECT pg_backend_pid()"))
                raise Boom
        assert not db.in_transaction
        assert await db.fetchval("SELECT 1") == 1
        async with db.transaction():
            assert await db.fetchval("SELECT 2") == 2
    assert engine.shared_pool.get_idle_size() == engine.shared_pool.get_size()


async def test_a_failed_commit_leaves_the_task_and_pool_usable(
    engine: HduceEngine, settings: Settings
) -> None:
    db = Database(engine)
    for _ in range(3):
        with pytest.raises(CONNECTION_LOST):
            async with db.transaction():
                await _kill(settings, await db.fetchval("SELECT pg_backend_pid()"))
        assert not db.in_transaction
        assert await db.fetchval("SELECT 1") == 1
    assert engine.shared_pool.get_idle_size() == engine.shared_pool.get_size()
