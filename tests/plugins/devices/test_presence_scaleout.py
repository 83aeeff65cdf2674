"""Presence with two `hduce serve` on one database (behind a load balancer), and a killed one."""

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import aiomqtt
import asyncpg
import pytest

from tests.plugins.devices.helpers import telemetry
from tests.plugins.devices.raw_mqtt import RawMqtt
from tests.plugins.devices.serving import Serving, new_device, serve, wait_green
from tests.support.processes import kill_tree

PRESENCE = "SELECT online, offline_reason FROM device WHERE id = $1"
OFFLINE_EVENTS = """
SELECT count(*) FROM outbox WHERE name = 'device.offline' AND payload->>'device_id' = $1
"""
OFFLINE_BECAUSE = OFFLINE_EVENTS + " AND payload->>'reason' = $2"
SETTLE_SECONDS = 1.0
"""Long enough for a presence writer to store what its broker just saw."""
BEAT = {"HDUCE_PLUGINS__DEVICES__PRESENCE_BEAT": "0.5"}
"""Brokers renew every half second: a killed one is given up for dead after 1.5 s."""


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """The data dirs and logs of this module's servers."""
    with tempfile.TemporaryDirectory(prefix="hduce-presence-", dir="/tmp") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
async def pair(migrated: str, nats_url: str, scratch: Path) -> AsyncIterator[list[Serving]]:
    """Two `hduce serve`, each with its own broker and spool, on the one test database."""
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                serve(scratch / name, migrated, nats_url, scratch / f"{name}.log", **BEAT)
            )
            for name in ("first", "second")
        ]
        await asyncio.gather(*(wait_green(serving) for serving in servers))
        yield servers


@pytest.fixture
async def db(migrated: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the test database."""
    connection = await asyncpg.connect(migrated)
    try:
        yield connection
    finally:
        await connection.close()


async def presence_becomes(
    db: asyncpg.Connection, device: str, online: bool, timeout: float = 10
) -> asyncpg.Record:
    """The device's presence row once it is `online` (or not)."""
    for _ in range(int(timeout / 0.1)):
        row = await db.fetchrow(PRESENCE, uuid.UUID(device))
        if row is not None and row["online"] is online:
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"{device} never became online={online}: {row}")


async def test_a_device_that_moved_to_the_other_server_stays_online_when_its_old_link_ends(
    pair: list[Serving], migrated: str, db: asyncpg.Connection
) -> None:
    first, second = pair
    device, secret = await new_device(migrated)
    old, _ = await RawMqtt.connect(first.mqtt_port, f"old-{device}", device, secret)
    await presence_becomes(db, device, True)
    async with aiomqtt.Client(
        "127.0.0.1", second.mqtt_port, username=device, password=secret, identifier=device
    ) as new:
        await asyncio.sleep(SETTLE_SECONDS)
        await old.disconnect()
        await asyncio.sleep(SETTLE_SECONDS)
        assert dict(await db.fetchrow(PRESENCE, uuid.UUID(device))) == {
            "online": True,
            "offline_reason": None,
        }
        await new.publish(f"devices/{device}/telemetry", telemetry(("spo2", 97, "%")), qos=1)
        await asyncio.sleep(SETTLE_SECONDS)
        assert (await db.fetchrow(PRESENCE, uuid.UUID(device)))["online"]
        assert await db.fetchval(OFFLINE_EVENTS, device) == 0
    row = await presence_becomes(db, device, False)
    assert row["offline_reason"] == "disconnected"
    assert await db.fetchval(OFFLINE_EVENTS, device) == 1


async def test_a_reading_proves_a_device_online_that_the_database_lost(
    pair: list[Serving], migrated: str, db: asyncpg.Connection
) -> None:
    device, secret = await new_device(migrated)
    async with aiomqtt.Client(
        "127.0.0.1", pair[0].mqtt_port, username=device, password=secret, identifier=device
    ) as client:
        await presence_becomes(db, device, True)
        await db.execute("DELETE FROM device_connection WHERE device = $1", uuid.UUID(device))
        await db.execute("UPDATE device SET online = false WHERE id = $1", uuid.UUID(device))
        await asyncio.sleep(SETTLE_SECONDS)  # more than a beat since the connection was noted
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 97, "%")), qos=1)
        await presence_becomes(db, device, True)


async def test_the_devices_of_a_killed_server_go_offline_once_its_renewals_stop(
    pair: list[Serving], migrated: str, nats_url: str, scratch: Path, db: asyncpg.Connection
) -> None:
    device, secret = await new_device(migrated)
    log = scratch / "doomed.log"
    with serve(scratch / "doomed", migrated, nats_url, log, **BEAT) as doomed:
        await wait_green(doomed)
        client, _ = await RawMqtt.connect(doomed.mqtt_port, device, device, secret)
        try:
            await presence_becomes(db, device, True)
            kill_tree(doomed.process.pid)
            row = await presence_becomes(db, device, False)  # the pair gives it up for dead
        finally:
            await client.close()
    assert row["offline_reason"] == "server_lost"
    assert await db.fetchval(OFFLINE_BECAUSE, device, "server_lost") == 1
    assert (
        await db.fetchval(
            "SELECT count(*) FROM device_connection WHERE device = $1", uuid.UUID(device)
        )
        == 0
    )
