"""A LISTEN outlives its connection: re-opened after a loss, it catches up and hears again."""

import asyncio
import uuid
from collections.abc import Callable

import asyncpg

from hduce.core.listener import HealingListener
from tests.support.listeners import cut_listeners, until_listening_again


async def test_a_cut_listener_listens_again_catches_up_and_keeps_the_order(
    migrated: str, raw_pool: asyncpg.Pool
) -> None:
    channel = f"hduce_test_{uuid.uuid4().hex[:8]}"
    heard: list[str] = []
    connections = 0

    async def caught_up(_connection: asyncpg.Connection) -> None:
        nonlocal connections
        connections += 1
        heard.append(f"caught up {connections}")

    listener = HealingListener(migrated, channel, heard.append, on_connected=caught_up)
    async with listener.running():
        await raw_pool.execute("SELECT pg_notify($1, 'before')", channel)
        await until(lambda: "before" in heard)

        cut = await cut_listeners(raw_pool, channel)
        await until_listening_again(raw_pool, channel, cut)
        await until(lambda: listener.connected)
        await raw_pool.execute("SELECT pg_notify($1, 'after')", channel)
        await until(lambda: "after" in heard)

    assert heard == ["caught up 1", "before", "caught up 2", "after"]
    assert not await raw_pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", listener.name
    ), "the connection outlived the block"


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `condition()` is true."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)
