"""No acknowledged reading lost: a real `hduce serve` through a database outage and a kill -9."""

import asyncio
import collections
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from hduce.runtime import EmbeddedPostgres
from tests.plugins.devices.serving import (
    new_device,
    send_paced,
    serve,
    streaming,
    wait_green,
    wait_stored,
)
from tests.support.processes import kill_tree

pytestmark = pytest.mark.faults


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder straight under /tmp: pgserver must reach it as its own system user."""
    with tempfile.TemporaryDirectory(prefix="hduce-devices-faults-", dir="/tmp") as folder:
        yield Path(folder)


@pytest.fixture
def own_postgres(scratch: Path) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this test alone (it gets stopped), stopped at the end whatever happens."""
    server = EmbeddedPostgres(scratch / "pg")
    try:
        yield server
    finally:
        server.stop()


def duplicates(values: list[float]) -> list[float]:
    return [value for value, n in collections.Counter(values).items() if n > 1]


async def outage(postgres: EmbeddedPostgres) -> None:
    """PostgreSQL stopped (a clean shutdown) for 10 s."""
    await asyncio.to_thread(postgres.stop)
    await asyncio.sleep(10)
    await asyncio.to_thread(postgres.start)


async def crash(postgres: EmbeddedPostgres) -> None:
    """PostgreSQL SIGKILLed, then started again (crash recovery) 2 s later.

    The batch writer commits without waiting for the WAL flush: what a crash of PostgreSQL
    loses of those commits, the spool must still have.
    """
    kill_tree(int((postgres.pgdata / "postmaster.pid").read_text().split()[0]))
    await asyncio.sleep(2)
    await asyncio.to_thread(postgres.start)


@pytest.mark.parametrize(
    ("fault", "at", "pace"),
    [
        # 1,000 readings over about 12 s; PostgreSQL is down from the 100th for 10 s.
        (outage, (100,), (10, 0.12)),
        # 1,000 readings over about 2.5 s; PostgreSQL crashes at the 300th and the 700th.
        (crash, (300, 700), (20, 0.05)),
    ],
    ids=["outage", "crash"],
)
async def test_readings_acknowledged_through_a_database_fault_are_stored_once(
    scratch: Path,
    own_postgres: EmbeddedPostgres,
    nats_url: str,
    fault: Callable[[EmbeddedPostgres], Awaitable[None]],
    at: tuple[int, ...],
    pace: tuple[int, float],
) -> None:
    dsn = own_postgres.start()
    with serve(scratch / "data", dsn, nats_url, scratch / "serve.log") as serving:
        await wait_green(serving)
        device, secret = await new_device(dsn)
        faults: list[asyncio.Task[None]] = []

        def maybe_fault(n: int) -> None:
            if n in at:
                faults.append(asyncio.create_task(fault(own_postgres)))

        async with streaming(serving.mqtt_port, device, secret) as (client, stream):
            per_tick, tick = pace
            await send_paced(client, device, 1000, per_tick=per_tick, tick=tick, after=maybe_fault)
            await asyncio.gather(*faults)
            stored = await wait_stored(dsn, device, stream.acked_values())
        assert len(stream.acked) >= 900, "the broker kept acknowledging from its spool"
        assert stream.acked_values() <= set(stored), serving.log.read_text()[-3000:]
        assert duplicates(stored) == []


async def test_readings_acknowledged_before_a_kill_9_are_stored_after_the_restart(
    scratch: Path, migrated: str, nats_url: str
) -> None:
    data_dir = scratch / "data"
    with serve(data_dir, migrated, nats_url, scratch / "serve.log") as serving:
        await wait_green(serving)
        device, secret = await new_device(migrated)

        def kill_midway(n: int) -> None:
            if n == 600:
                kill_tree(serving.process.pid)

        async with streaming(serving.mqtt_port, device, secret) as (client, stream):
            await send_paced(client, device, 1000, per_tick=50, tick=0.01, after=kill_midway)
            serving.process.wait(timeout=10)
    assert stream.acked, "some readings were acknowledged before the kill"
    with serve(data_dir, migrated, nats_url, scratch / "restart.log") as restarted:
        await wait_green(restarted)
        stored = await wait_stored(migrated, device, stream.acked_values())
    assert stream.acked_values() <= set(stored), restarted.log.read_text()[-3000:]
    assert duplicates(stored) == []
