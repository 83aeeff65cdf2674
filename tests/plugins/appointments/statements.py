"""Counting the SQL statements an action sends through the app's pool (asyncpg's query logger)."""

import asyncio
import contextvars
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
# asyncpg calls a query logger with `call_soon`, in the context of the task that ran the query:
# this marks the action's own statements apart from the app's background tasks (the relay...).
_measured = contextvars.ContextVar("measured", default=False)


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
        if _measured.get() and not query.startswith(INTROSPECTION):
            queries.append((query, tuple(record.args or ())))

    for connection in connections:
        connection.add_query_logger(log)
    token = _measured.set(True)
    try:
        await action()
        await asyncio.sleep(0)  # the loggers run soon after each statement: let the last ones
    finally:
        _measured.reset(token)
        for connection in connections:
            connection.remove_query_logger(log)
    return queries
