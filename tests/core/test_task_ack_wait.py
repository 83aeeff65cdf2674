"""Processes started with different `nats.ack_wait` share one consumer: the last one sets it."""

import asyncio

import nats
import pytest

from hduce.bootstrap import build_context
from hduce.core.config import Settings
from hduce.core.lifecycle import running_broker
from hduce.core.task_receiver import run_receiver
from tests.support.context import isolated

SHARED_ACK_WAIT = 2.0


async def set_consumer_ack_wait(settings: Settings, seconds: float) -> None:
    """What another process started with `nats.ack_wait = seconds` does to the shared consumer."""
    client = await nats.connect(settings.nats.url)
    try:
        js = client.jetstream()
        info = await js.consumer_info(settings.nats.tasks_stream, settings.nats.durable)
        info.config.ack_wait = seconds
        await js.add_consumer(settings.nats.tasks_stream, config=info.config)
    finally:
        await client.close()


async def test_a_running_task_is_kept_alive_at_the_shared_consumers_ack_wait(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression: a process started with `ack_wait = 60s` confirmed a running task every 20 s,
    while the consumer (set by a process started later with 2 s) redelivered it after 2 s: the
    task ran twice at once."""
    shared = isolated(settings, ack_wait=60)
    context = build_context(shared, "worker", settings.database.url, settings.nats.url)
    runs: list[float] = []

    async def slow() -> None:
        runs.append(asyncio.get_running_loop().time())
        await asyncio.sleep(3 * SHARED_ACK_WAIT)

    context.broker.register_task(slow, task_name="test.slow_under_short_ack_wait")
    async with running_broker(context):
        await set_consumer_ack_wait(shared, SHARED_ACK_WAIT)
        stop = asyncio.Event()
        receiving = asyncio.create_task(run_receiver(context.broker, 2, stop, 1.0))
        try:
            async with asyncio.timeout(15):
                while "the shared task consumer's ack_wait is 2s" not in caplog.text:
                    await asyncio.sleep(0.1)
            await context.broker.find_task("test.slow_under_short_ack_wait").kiq()
            async with asyncio.timeout(10):
                while not runs:
                    await asyncio.sleep(0.05)
            await asyncio.sleep(3 * SHARED_ACK_WAIT + 1)
        finally:
            stop.set()
            await receiving
    assert len(runs) == 1, f"the task ran {len(runs)} times"
