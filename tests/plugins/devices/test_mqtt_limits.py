"""Connection limits of the broker: CONNECT deadline, sockets per address, slots, packet size."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import (
    broker_port,
    devices_settings,
    mqtt,
    refusals,
    register,
)
from tests.plugins.devices.raw_packets import (
    ACCEPTED,
    SERVER_UNAVAILABLE,
    connect_packet,
    connect_raw,
    raw_connection,
    remaining_length,
    takes_over,
)
from tests.plugins.users.clinic import Clinic, Member, running_clinic

CONNECT_TIMEOUT = 3
MAX_CONNECTIONS = 2
UNAUTHENTICATED_PER_ADDRESS = 3
HUGE = 200 * 1024 * 1024


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A clinic whose broker has tight connection limits."""
    limits = devices_settings(
        settings,
        connect_timeout=CONNECT_TIMEOUT,
        max_connections=MAX_CONNECTIONS,
        max_unauthenticated_per_address=UNAUTHENTICATED_PER_ADDRESS,
    )
    async with running_clinic(limits) as running:
        yield running


async def test_a_socket_without_connect_is_closed_after_the_deadline(clinic: Clinic) -> None:
    port = broker_port(clinic)
    before = await refusals(clinic)
    async with raw_connection(port) as silent, raw_connection(port) as partial:
        await partial.send(b"\x10")  # the first byte of a CONNECT, then nothing
        assert await silent.closed_by_server(timeout=CONNECT_TIMEOUT * 3)
        assert await partial.closed_by_server(timeout=CONNECT_TIMEOUT * 3)
    after = await refusals(clinic)
    assert after["refused_connect_timeout"] == before["refused_connect_timeout"] + 2


async def test_unauthenticated_sockets_beyond_the_per_address_cap_are_closed_at_once(
    clinic: Clinic,
) -> None:
    port = broker_port(clinic)
    async with AsyncExitStack() as stack:
        held = [
            await stack.enter_async_context(raw_connection(port))
            for _ in range(UNAUTHENTICATED_PER_ADDRESS)
        ]
        extra = await stack.enter_async_context(raw_connection(port))
        assert await extra.closed_by_server(timeout=CONNECT_TIMEOUT * 3)
        # The older sockets are still waiting for their deadline: the cap closed the extra one.
        assert all(client.still_open() for client in held)


async def test_silent_sockets_take_no_slot_and_signed_in_clients_do(
    clinic: Clinic, admin: Member
) -> None:
    port = broker_port(clinic)
    devices = [await register(clinic, admin) for _ in range(MAX_CONNECTIONS + 1)]
    async with AsyncExitStack() as stack:
        for _ in range(MAX_CONNECTIONS):
            await stack.enter_async_context(raw_connection(port))
        for device, secret in devices[:MAX_CONNECTIONS]:
            await stack.enter_async_context(mqtt(clinic, device, secret))
        device, secret = devices[-1]
        client, _, code = await connect_raw(port, device, device, secret)
        client.drop()
        assert code == SERVER_UNAVAILABLE
    device, secret = devices[-1]
    async with mqtt(clinic, device, secret):
        pass


async def test_a_full_broker_lets_a_connected_client_take_over_its_own_slot(
    clinic: Clinic, admin: Member
) -> None:
    port = broker_port(clinic)
    devices = [await register(clinic, admin) for _ in range(MAX_CONNECTIONS)]
    connected = [await connect_raw(port, device, device, secret) for device, secret in devices]
    device, secret = devices[0]  # its old connection went half-open: it reconnects
    await takes_over(port, connected, device, device, secret)


async def test_an_oversized_publish_is_refused_from_its_header(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    before = await refusals(clinic)
    async with raw_connection(broker_port(clinic)) as client:
        await client.send(connect_packet(device, device, secret))
        assert (await client.connack())[1] == ACCEPTED
        # A PUBLISH announcing 200 MiB, then only its topic: nothing more is ever sent.
        await client.send(b"\x30" + remaining_length(HUGE) + b"\x00\x01t")
        assert await client.closed_by_server()
    after = await refusals(clinic)
    assert after["refused_packet_too_large"] == before["refused_packet_too_large"] + 1


async def test_an_oversized_connect_is_refused_from_its_header(clinic: Clinic) -> None:
    before = await refusals(clinic)
    async with raw_connection(broker_port(clinic)) as client:
        await client.send(b"\x10" + remaining_length(HUGE) + b"\x00\x04MQTT")
        assert await client.closed_by_server()
    after = await refusals(clinic)
    assert after["refused_packet_too_large"] == before["refused_packet_too_large"] + 1
