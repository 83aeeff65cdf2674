"""Stopping a task receiver with a long task in flight: a bounded stop, an uncounted redelivery."""

import asyncio
import logging
import time

import pytest

from hduce.bootstrap import build_context
from hduce.core.config import Settings
from hduce.core.context import AppContext
from hduce.core.lifecycle import running_broker
from hduce.core.task_receiver import run_receiver
from hduce.core.tasks import DeadLetterRecord
from tests.support.context import isolated

GRACE = 1.0


async def test_an_interrupted_task_is_taken_again_at_once_and_not_counted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression: the stop waited 20 s, then the cancelled task's nak ran after NATS was closed
    (a traceback), so the task waited for `ack_wait` (5 min) and counted as a failed attempt."""
    shared = isolated(settings, ack_wait=60, max_attempts=1)
    runs: list[str] = []
    dead: list[DeadLetterRecord] = []
    finished = asyncio.Event()

    async def record(letter: DeadLetterRecord) -> None:
        dead.append(letter)

    def context_with_task(name: str) -> AppContext:
        context = build_context(shared, "worker", settings.database.url, settings.nats.url)
        context.broker._dead_letters = record

        async def slow() -> None:
            runs.append(name)
            if name == "first":
                await asyncio.sleep(120)
            finished.set()

        context.broker.register_task(slow, task_name="test.slow")
        return context

    first, second = context_with_task("first"), context_with_task("second")
    async with running_broker(first):
        stop = asyncio.Event()
        receiving = asyncio.create_task(run_receiver(first.broker, 2, stop, GRACE))
        await first.broker.find_task("test.slow").kiq()
        while not runs:
            await asyncio.sleep(0.05)
        started = time.monotonic()
        stop.set()
        await asyncio.wait_for(receiving, 10)
        assert time.monotonic() - started < GRACE + 3
    # Handed back, not failed: a warning, no error with the cancellation's traceback.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    async with running_broker(second):
        stop = asyncio.Event()
        receiving = asyncio.create_task(run_receiver(second.broker, 2, stop, GRACE))
        try:
            await asyncio.wait_for(finished.wait(), 10)  # ack_wait is 60 s
        finally:
            stop.set()
            await receiving
    assert runs == ["first", "second"] and dead == []
