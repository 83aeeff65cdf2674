"""SUBSCRIBE floods: one client cannot make the broker queue work without bound.

A client pipelining big SUBSCRIBE packets (and not reading its SUBACKs) was read at
`max_packet_rate` whatever each packet cost, and every packet waited in an unbounded queue:
the broker's memory grew for as long as it sent, and every other client waited.
"""

import asyncio
import socket
import struct
import time
from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from hduce.plugins.devices.services.broker._reader import PENDING_PACKETS
from tests.plugins.devices.helpers import (
    amqtt_of,
    broker_port,
    devices_settings,
    refusals,
    register,
)
from tests.plugins.devices.raw_packets import (
    ACCEPTED,
    _string,
    connect_packet,
    connect_raw,
    packet,
    pushing_back,
)
from tests.plugins.users.clinic import Clinic, Member, running_clinic

MAX_FILTERS = 1000
FLOOD_SECONDS = 4.0


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A broker letting a client hold 1,000 filters and send 1,000 packets a second."""
    limits = devices_settings(settings, max_subscriptions=MAX_FILTERS, max_packet_rate=1000)
    async with running_clinic(limits) as running:
        yield running


def subscribe_many(count: int, packet_id: int = 1) -> bytes:
    """One SUBSCRIBE of `count` filters the ACL refuses (each answered 0x80)."""
    return packet(0x82, struct.pack("!H", packet_id) + (_string("x") + b"\0") * count)


async def flood(port: int, device: str, secret: str, stop: asyncio.Event) -> None:
    """Sign in, then send full SUBSCRIBEs until `stop`, never reading an answer."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        writer.write(connect_packet(f"flood-{device}", device, secret))
        await reader.readexactly(4)  # the CONNACK; nothing is read from here on
        wire = subscribe_many(MAX_FILTERS)
        while not stop.is_set():
            await pushing_back(writer, wire)  # the broker may stop reading
    finally:
        writer.transport.abort()


async def test_a_subscribe_flood_keeps_the_brokers_pending_work_bounded(
    clinic: Clinic, admin: Member
) -> None:
    attacker, attacker_secret = await register(clinic, admin)
    device, secret = await register(clinic, admin)
    port = broker_port(clinic)
    neighbour, _, code = await connect_raw(port, f"calm-{device}", device, secret)
    assert code == ACCEPTED
    stop = asyncio.Event()
    flooding = asyncio.create_task(flood(port, attacker, attacker_secret, stop))
    pending, pings = [], []
    try:
        deadline = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < deadline:
            entry = amqtt_of(clinic)._sessions.get(f"flood-{attacker}")
            if entry is not None and entry[1] is not None:
                pending.append(entry[1]._pending_subscriptions.qsize())
            started = time.monotonic()
            await neighbour.send(packet(0xC0, b""))
            assert (await neighbour.read_packet(timeout=10))[0] == 0xD0
            pings.append(time.monotonic() - started)
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await flooding
        neighbour.drop()
    assert pending, "the flooding client was never connected"
    assert max(pending) <= PENDING_PACKETS, f"SUBSCRIBEs waiting: up to {max(pending)}"
    assert max(pings) < 3, f"another device's PINGREQ took {max(pings):.1f} s"


async def test_a_subscribe_with_more_filters_than_a_client_may_hold_closes_the_connection(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    before = (await refusals(clinic))["refused_too_many_filters"]
    client, _, code = await connect_raw(broker_port(clinic), device, device, secret)
    assert code == ACCEPTED
    try:
        await client.send(subscribe_many(MAX_FILTERS + 1))
        async with asyncio.timeout(5):
            assert await client.reader.read(65536) == b"", "answered"
    finally:
        client.drop()
    assert (await refusals(clinic))["refused_too_many_filters"] == before + 1
    client, _, code = await connect_raw(broker_port(clinic), device, device, secret)
    try:
        await client.send(subscribe_many(MAX_FILTERS))
        first, body = await client.read_packet()
        assert first == 0x90 and body[2:] == b"\x80" * MAX_FILTERS, "as many as it may hold: SUBACK"
    finally:
        client.drop()
