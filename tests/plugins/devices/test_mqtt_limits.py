"""Connection limits of the broker: CONNECT deadline, sockets per address, slots, packet size."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import (
    amqtt_of,
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
from tests.plugins.devices.raw_qos import PUBREC
from tests.plugins.devices.raw_qos import raw_connection as qos_connection
from tests.plugins.users.clinic import Clinic, Member, running_clinic

CONNECT_TIMEOUT = 3
MAX_CONNECTIONS = 2
UNAUTHENTICATED_PER_ADDRESS = 3
RECEIVE_MAXIMUM = 3
HUGE = 200 * 1024 * 1024


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A clinic whose broker has tight connection limits."""
    limits = devices_settings(
        settings,
        connect_timeout=CONNECT_TIMEOUT,
        max_connections=MAX_CONNECTIONS,
        max_unauthenticated_per_address=UNAUTHENTICATED_PER_ADDRESS,
        receive_maximum=RECEIVE_MAXIMUM,
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


@pytest.mark.parametrize("topic", ["telemetry", "status"])
async def test_qos2_messages_never_released_beyond_the_receive_maximum_close_the_connection(
    clinic: Clinic, admin: Member, topic: str
) -> None:
    device, secret = await register(clinic, admin)
    before = await refusals(clinic)
    client_id = f"q2-{topic}-{device}"
    port, payload = broker_port(clinic), b"x" * 10_000
    async with qos_connection(port, device, secret, client_id, clean=False) as client:
        for pid in range(1, RECEIVE_MAXIMUM + 1):
            await client.publish(f"devices/{device}/{topic}", payload, qos=2, packet_id=pid)
            await client.expect(PUBREC, pid)  # kept until its PUBREL, which never comes
        await client.publish(f"devices/{device}/{topic}", payload, qos=2, packet_id=99)
        assert await client.closed_by_server(), "one more unreleased message is a violation"
    after = await refusals(clinic)
    assert after["refused_too_many_unreleased"] == before["refused_too_many_unreleased"] + 1
    kept, _ = amqtt_of(clinic)._sessions[client_id]
    assert sorted(kept.inflight_in) == list(range(1, RECEIVE_MAXIMUM + 1)), "no more is kept"
