"""No acknowledged reading lost: a real `hduce serve` through a database outage and a kill -9."""

import asyncio
import collections
import tempfile
from collections.abc import Iterator
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


async def test_readings_acknowledged_during_a_database_outage_are_stored_once(
    scratch: Path, own_postgres: EmbeddedPostgres, nats_url: str
) -> None:
    dsn = own_postgres.start()
    with serve(scratch / "data", dsn, nats_url, scratch / "serve.log") as serving:
        await wait_green(serving)
        device, secret = await new_device(dsn)
        outage: list[asyncio.Task[None]] = []

        async def stop_for_a_while() -> None:
            await asyncio.to_thread(own_postgres.stop)
            await asyncio.sleep(10)
            await asyncio.to_thread(own_postgres.start)

        def maybe_stop(n: int) -> None:
            if n == 100:
                outage.append(asyncio.create_task(stop_for_a_while()))

        async with streaming(serving.mqtt_port, device, secret) as (client, stream):
            # 1,000 readings over about 12 s; PostgreSQL is down from the 100th for 10 s.
            await send_paced(client, device, 1000, per_tick=10, tick=0.12, after=maybe_stop)
            await asyncio.gather(*outage)
            stored = await wait_stored(dsn, device, stream.acked_values())
        assert len(stream.acked) >= 900, "the broker kept acknowledging from its spool"
        assert stream.acked_values() <= set(stored), serving.log.read_text()[-3000:]
        assert duplicates(stored) == []


async def test_readings_acknowledged_around_a_crash_of_postgresql_are_stored_once(
    scratch: Path, own_postgres: EmbeddedPostgres, nats_url: str
) -> None:
    # The batch writer commits without waiting for the WAL flush: a crash of PostgreSQL loses
    # the last of those commits, and the spool must still have them.
    dsn = own_postgres.start()
    with serve(scratch / "data", dsn, nats_url, scratch / "serve.log") as serving:
        await wait_green(serving)
        device, secret = await new_device(dsn)
        crash: list[asyncio.Task[None]] = []

        async def crash_and_recover() -> None:
            postmaster = (own_postgres.pgdata / "postmaster.pid").read_text().split()[0]
            kill_tree(int(postmaster))  # SIGKILL: what sat in PostgreSQL's WAL buffers is gone
            await asyncio.sleep(2)
            await asyncio.to_thread(own_postgres.start)  # crash recovery

        def maybe_crash(n: int) -> None:
            if n in (300, 700):
                crash.append(asyncio.create_task(crash_and_recover()))

        async with streaming(serving.mqtt_port, device, secret) as (client, stream):
            await send_paced(client, device, 1000, per_tick=20, tick=0.05, after=maybe_crash)
            await asyncio.gather(*crash)
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
