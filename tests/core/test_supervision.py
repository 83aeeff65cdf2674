"""The supervision helper: background tasks restarted with backoff, counted and reported."""

import asyncio
import logging

import pytest
from prometheus_client import REGISTRY

from hduce.core.supervision import Beat, Supervisor


def restarts_counted(task: str) -> float:
    return REGISTRY.get_sample_value("hduce_task_restarts_total", {"task": task}) or 0.0


async def wait_for(predicate: object, timeout: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_a_failing_task_is_restarted_counted_and_reported_until_it_recovers() -> None:
    supervisor = Supervisor(initial_backoff=0.05, max_backoff=0.2)
    runs = 0
    recovered = asyncio.Event()
    counted_before = restarts_counted("flaky")

    async def flaky(beat: Beat) -> None:
        nonlocal runs
        runs += 1
        if runs <= 3:
            raise ConnectionError(f"failure {runs}")
        while True:
            beat()
            recovered.set()
            await asyncio.sleep(0.01)

    supervisor.start("flaky", flaky, stall_after=5)
    try:
        await wait_for(lambda: runs >= 1 and supervisor.report()["flaky"]["problem"] is not None)
        assert "ConnectionError" in supervisor.report()["flaky"]["problem"]
        await asyncio.wait_for(recovered.wait(), 5)
        report = supervisor.report()["flaky"]
        assert report == {
            "problem": None,
            "restarts": 3,
            "last_error": "ConnectionError: failure 3",
        }
        assert restarts_counted("flaky") - counted_before == 3
    finally:
        await supervisor.stop("flaky")
    assert "flaky" not in supervisor.report()


async def test_a_task_without_progress_is_reported_stalled() -> None:
    supervisor = Supervisor()
    stuck = asyncio.Event()

    async def hangs(beat: Beat) -> None:
        await stuck.wait()

    supervisor.start("stuck", hangs, stall_after=0.1)
    try:
        await asyncio.sleep(0.2)
        assert supervisor.report()["stuck"]["problem"].startswith("no progress")
    finally:
        await supervisor.stop("stuck")


async def test_stop_drains_a_task_within_the_grace_and_does_not_restart_it() -> None:
    supervisor = Supervisor(initial_backoff=0.01)
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    stored: list[int] = []

    async def writer(beat: Beat) -> None:
        while (item := await queue.get()) is not None:
            stored.append(item)

    async def finish() -> None:
        await queue.put(None)

    supervisor.start("writer", writer)
    for item in range(3):
        queue.put_nowait(item)
    await supervisor.stop("writer", grace=2, drain=finish)
    assert stored == [0, 1, 2]
    await asyncio.sleep(0.05)
    assert queue.empty() and "writer" not in supervisor.report()


async def test_stop_cancels_a_task_that_outlives_the_grace() -> None:
    supervisor = Supervisor()
    cancelled = asyncio.Event()

    async def stubborn(beat: Beat) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    supervisor.start("stubborn", stubborn)
    await asyncio.sleep(0)
    await supervisor.stop("stubborn", grace=0.1)
    assert cancelled.is_set()


async def test_a_failure_that_repeats_logs_its_traceback_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # While NATS was frozen, the worker heartbeat logged a ~40-line traceback at every restart.
    supervisor = Supervisor(initial_backoff=0.01, max_backoff=0.05)
    runs = 0

    async def down(_beat: Beat) -> None:
        nonlocal runs
        runs += 1
        if runs <= 3:
            raise TimeoutError("nats: timeout")
        raise ConnectionError("connection refused")

    caplog.set_level(logging.INFO, logger="hduce.supervision")
    supervisor.start("down", down)
    try:
        await wait_for(lambda: runs >= 5)
    finally:
        await supervisor.stop("down")
    failed = [record for record in caplog.records if "failed" in record.getMessage()]
    traced = [record.exc_info[0] for record in failed if record.exc_info]
    assert traced == [TimeoutError, ConnectionError]
    again = [record.getMessage() for record in failed if not record.exc_info]
    assert "background task down failed again: TimeoutError: nats: timeout" in again
    assert "background task down failed again: ConnectionError: connection refused" in again
