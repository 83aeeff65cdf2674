"""Closing asyncpg connections and pools on a server that may not answer (a frozen host)."""

import asyncio
import logging

import asyncpg

logger = logging.getLogger("hduce.db")

CLOSE_TIMEOUT = 2.0
"""Seconds a pool or connection is given to say goodbye to the server before it is dropped."""


async def close_or_drop(closable: asyncpg.Pool | asyncpg.Connection, what: str) -> None:
    """Close `closable` gracefully, or drop it (its sockets closed at once) after `CLOSE_TIMEOUT`.

    A graceful close waits for the server's reply, which a frozen server never sends: without
    the deadline a SIGTERM would never end the process.
    """
    try:
        await asyncio.wait_for(closable.close(), CLOSE_TIMEOUT)
    except TimeoutError:
        logger.warning("%s: the database did not answer within %ss; dropped", what, CLOSE_TIMEOUT)
        closable.terminate()
