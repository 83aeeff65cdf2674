"""A connection the broker holds back is not dropped for a silence the broker caused.

While the reader waits (paced, or its PUBLISHes being handled) it does not read the socket:
the client's PINGREQs and PUBLISHes arrive but are not read. The keepalive deadline counted
from the last packet read, so a device kept waiting past 1.5x its keepalive was dropped as
silent although it kept sending.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import broker_port, devices_settings, eventually, register
from tests.plugins.devices.raw_packets import connect_packet
from tests.plugins.devices.raw_qos import CONNACK, PUBACK, QosClient, packet, publishes
from tests.plugins.users.clinic import Clinic, Member, running_clinic

RATE = 0.5
"""Packets a second a connection is read at: one every 2 s, past a 1 s keepalive's 1.5 s."""
PINGREQ, PINGRESP = 12, 13


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A broker reading each connection at `RATE` packets a second."""
    async with running_clinic(devices_settings(settings, max_packet_rate=RATE)) as running:
        yield running


async def pinging(client: QosClient) -> None:
    """A live client: a PINGREQ every half second."""
    while True:
        await asyncio.sleep(0.5)
        await client.send(packet(PINGREQ, 0, b""))


async def test_a_device_the_broker_holds_back_stays_connected(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    values = [70, 71, 72]
    reader, writer = await asyncio.open_connection("127.0.0.1", broker_port(clinic))
    client = QosClient(reader, writer)
    pings = None
    try:
        await client.send(connect_packet(f"held-{device}", device, secret, keep_alive=1))
        assert (await client.read())[0] == CONNACK
        await client.send(publishes(device, values))
        pings = asyncio.create_task(pinging(client))
        acknowledged = []
        while len(acknowledged) < len(values):
            kind, body = await client.read(timeout=15)  # EOF (dropped) raises
            if kind != PINGRESP:
                acknowledged.append((kind, body))
        assert client.still_open()
    finally:
        if pings is not None:
            pings.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await pings
        writer.transport.abort()
    assert acknowledged == [(PUBACK, n.to_bytes(2, "big")) for n in range(1, len(values) + 1)]
    query = "SELECT count(*) AS n FROM reading WHERE device = $1 HAVING count(*) >= $2"
    row = await eventually(clinic, query, uuid.UUID(device), len(values))
    assert row["n"] == len(values)


async def test_a_device_publishing_while_the_database_is_locked_stays_connected(
    clinic: Clinic, raw_pool: asyncpg.Pool, admin: Member, patient: Member
) -> None:
    """Its telemetry is acknowledged once spooled; stored once the lock is gone."""
    device, secret = await register(clinic, admin, patient)
    values = [80, 81, 82, 83]
    reader, writer = await asyncio.open_connection("127.0.0.1", broker_port(clinic))
    client = QosClient(reader, writer)
    try:
        await client.send(connect_packet(f"locked-{device}", device, secret, keep_alive=2))
        assert (await client.read())[0] == CONNACK
        async with raw_pool.acquire() as connection, connection.transaction():
            await connection.execute("LOCK TABLE reading IN SHARE MODE")
            for n, value in enumerate(values):
                await client.send(publishes(device, [value], first_id=n + 1))
                await asyncio.sleep(1)
            answers = [await client.read(timeout=15) for _ in values]
            assert client.still_open()
    finally:
        writer.transport.abort()
    assert answers == [(PUBACK, n.to_bytes(2, "big")) for n in range(1, len(values) + 1)]
    query = "SELECT count(*) AS n FROM reading WHERE device = $1 HAVING count(*) >= $2"
    row = await eventually(clinic, query, uuid.UUID(device), len(values))
    assert row["n"] == len(values)
