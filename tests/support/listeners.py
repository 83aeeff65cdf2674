"""Cut the LISTEN connections of a channel, as a database restart or a killed backend would."""

import asyncio
import time

import asyncpg

_LISTENERS = "SELECT pid FROM pg_stat_activity WHERE application_name = $1"


async def listening_pids(pool: asyncpg.Pool, channel: str) -> set[int]:
    """The backends LISTENing on `channel` right now (named so by `HealingListener`)."""
    rows = await pool.fetch(_LISTENERS, f"hduce listen {channel}")
    return {row["pid"] for row in rows}


async def cut_listeners(pool: asyncpg.Pool, channel: str) -> set[int]:
    """Terminate every backend LISTENing on `channel`; their pids."""
    pids = await listening_pids(pool, channel)
    assert pids, f"nothing listens on {channel}"
    await pool.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(pids))
    return pids


async def until_listening_again(
    pool: asyncpg.Pool, channel: str, cut: set[int], timeout: float = 15.0
) -> None:
    """Wait until a backend other than the `cut` ones LISTENs on `channel`."""
    deadline = time.monotonic() + timeout
    while not (await listening_pids(pool, channel)) - cut:
        assert time.monotonic() < deadline, f"nobody listens on {channel} again"
        await asyncio.sleep(0.05)
