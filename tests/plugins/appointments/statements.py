"""Counting the SQL statements an action sends through the app's pool (asyncpg's query logger)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

# asyncpg's own type introspection on a fresh connection: not the app's work.
INTROSPECTION = (
    "WITH RECURSIVE typeinfo_tree",
    "SELECT current_setting('jit')",
    "SELECT set_config('jit'",
)
Statement = tuple[str, tuple[Any, ...]]


async def statements_of(
    pool: asyncpg.Pool, action: Callable[[], Awaitable[Any]]
) -> list[Statement]:
    """Every statement (text, arguments) the pool's connections run during `action`.

    Call it on the pool's event loop.
    """
    # Open every connection the pool may hand out, so each one carries the logger.
    held = await asyncio.gather(*(pool.acquire() for _ in range(pool.get_max_size())))
    for connection in held:
        await pool.release(connection)
    # asyncpg has no public list of a pool's connections: its holders are the only way in.
    connections = [holder._con for holder in pool._holders if holder._con is not None]
    queries: list[Statement] = []

    def log(record: asyncpg.connection.LoggedQuery) -> None:
        query = " ".join(record.query.split())
        if not query.startswith(INTROSPECTION):
            queries.append((query, tuple(record.args or ())))

    for connection in connections:
        connection.add_query_logger(log)
    try:
        await action()
    finally:
        for connection in connections:
            connection.remove_query_logger(log)
    return queries
