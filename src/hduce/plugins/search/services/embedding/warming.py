"""Loading the embedding model while the web app starts, so no search waits for it."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from hduce.contracts.search import Embedder

logger = logging.getLogger("hduce.search")


@contextlib.asynccontextmanager
async def warming(embedder: Embedder) -> AsyncIterator[None]:
    """Start `embedder` in the background for the duration of the block.

    The local model takes a second or more to load (longer when it is built on first start);
    without this the first semantic search after a restart pays for it. A failure is logged:
    searches ask the embedder again and report its error themselves.
    """
    task = asyncio.create_task(embedder.start())
    task.add_done_callback(_report)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _report(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("the embedding model did not load at start: %r", task.exception())
