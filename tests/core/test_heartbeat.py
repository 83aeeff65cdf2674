"""Worker liveness entries in the NATS KV bucket, read back as a health check reads them."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from hduce.bootstrap import build_context
from hduce.core.config import Settings
from hduce.core.heartbeat import WorkerHeartbeat, live_workers
from hduce.core.lifecycle import running_broker
from hduce.core.tasks import TaskBroker
from tests.support.context import isolated

WITHDRAWN_WORKERS = 50
READS = 40


async def stopped_cleanly(heartbeat: WorkerHeartbeat) -> None:
    """Run `heartbeat` until it has announced itself, then stop it (it withdraws its entry)."""
    announced = asyncio.Event()
    running = asyncio.create_task(heartbeat.run(announced.set))
    await announced.wait()
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running


@pytest.fixture
async def broker(settings: Settings) -> AsyncIterator[TaskBroker]:
    """A connected task broker with a durable consumer name of its own."""
    test_settings = isolated(settings)
    context = build_context(test_settings, "web", settings.database.url, settings.nats.url)
    async with running_broker(context):
        yield context.broker


async def test_a_live_worker_is_seen_by_every_read_among_many_withdrawn_ones(
    broker: TaskBroker,
) -> None:
    """Regression: reads listed keys with nats-py's `KeyValue.keys()`, whose end-of-listing
    marker can overtake the entries still in the socket buffer, so a busy host's health check
    now and then saw no worker at all (a 503 with `"live": []`)."""
    for _ in range(WITHDRAWN_WORKERS):
        await stopped_cleanly(WorkerHeartbeat(broker, concurrency=1, interval=5))
    alive = WorkerHeartbeat(broker, concurrency=3, interval=5)
    await alive.announce()

    reads = await asyncio.gather(*(live_workers(broker, stale_after=60) for _ in range(READS)))

    assert [[worker.concurrency for worker in live] for live in reads] == [[3]] * READS
