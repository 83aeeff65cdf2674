"""Outgoing delivery conformance (MQTT 3.1.1): granted QoS, RETAIN, QoS 1 redelivery, keepalive."""

import asyncio
from collections.abc import Callable

import pytest

from hduce.plugins.devices import DevicesPlugin
from tests.plugins.devices.helpers import broker_port, mqtt, next_message, push, register
from tests.plugins.devices.raw_mqtt import PINGRESP, PUBLISH, Packet, RawMqtt, Will
from tests.plugins.users.clinic import Clinic, Member


def session_state(clinic: Clinic, client_id: str) -> str | None:
    """amqtt's state of the session of `client_id` (None: no session)."""
    broker = clinic.client.app.plugins.get(DevicesPlugin).broker
    assert broker is not None and broker._broker is not None
    found = broker._broker.sessions.get(client_id)
    return found[0].transitions.state if found else None


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait until `condition()` holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def offline(clinic: Clinic, client: RawMqtt, client_id: str) -> None:
    """Disconnect cleanly and wait until the broker holds the session as disconnected."""
    await client.disconnect()
    await until(lambda: session_state(clinic, client_id) == "disconnected")


async def persistent_subscriber(
    clinic: Clinic, admin: Member, qos: int
) -> tuple[str, str, RawMqtt]:
    """A new device on a persistent session, subscribed to its commands at `qos`."""
    device, secret = await register(clinic, admin)
    client, _ = await RawMqtt.connect(broker_port(clinic), device, device, secret, clean=False)
    assert await client.subscribe(f"devices/{device}/cmd/#", qos=qos) == qos
    return device, secret, client


@pytest.mark.parametrize(
    ("asked", "delivered"),
    [
        ((0,), 0),  # a QoS 1 command to a QoS 0 subscription
        ((0, 1), 1),  # subscribing again replaces the QoS [MQTT-3.8.4-3]
    ],
)
async def test_a_command_arrives_at_the_qos_of_the_last_subscribe(
    clinic: Clinic, admin: Member, asked: tuple[int, ...], delivered: int
) -> None:
    device, secret = await register(clinic, admin)
    async with mqtt(clinic, device, secret) as client:
        for qos in asked:
            await client.subscribe(f"devices/{device}/cmd/#", qos=qos)
        await push(clinic, f"devices/{device}/cmd/ping", b"hello")
        message = await next_message(client)
    assert (message.payload, message.qos, message.retain) == (b"hello", delivered, False)


@pytest.mark.parametrize("granted", [0, 1])
async def test_messages_queued_offline_arrive_without_retain_at_the_granted_qos(
    clinic: Clinic, admin: Member, granted: int
) -> None:
    device, secret, client = await persistent_subscriber(clinic, admin, granted)
    port = broker_port(clinic)
    await offline(clinic, client, device)
    await push(clinic, f"devices/{device}/cmd/sync", b"queued while offline")
    client, _ = await RawMqtt.connect(port, device, device, secret, clean=False)
    try:
        publish = await client.read()
        assert publish.kind == PUBLISH
        topic, packet_id, payload = publish.publish()
        assert (topic, payload) == (f"devices/{device}/cmd/sync", b"queued while offline")
        assert publish.retain is False, "a queued message is not a retained message"
        assert publish.qos == granted
        if packet_id is not None:
            await client.puback(packet_id)
    finally:
        await client.close()


async def dropped_before_puback(clinic: Clinic, admin: Member) -> tuple[str, str, Packet, RawMqtt]:
    """A command reached a persistent subscriber whose connection then dropped unacknowledged.

    Returns the device, its secret, the PUBLISH it got, and its client reconnected.
    """
    device, secret, client = await persistent_subscriber(clinic, admin, 1)
    await push(clinic, f"devices/{device}/cmd/reboot", b"now")
    first = await client.read()
    await client.close()
    await until(lambda: session_state(clinic, device) == "disconnected")
    client, _ = await RawMqtt.connect(broker_port(clinic), device, device, secret, clean=False)
    return device, secret, first, client


async def test_an_unacknowledged_qos1_message_is_redelivered_with_dup_on_reconnect(
    clinic: Clinic, admin: Member
) -> None:
    device, secret, first, client = await dropped_before_puback(clinic, admin)
    topic, packet_id, payload = first.publish()
    assert (first.kind, first.qos, first.dup, payload) == (PUBLISH, 1, False, b"now")
    try:
        again = await client.read()
        assert again.kind == PUBLISH
        assert again.dup is True
        assert again.publish() == (topic, packet_id, b"now")
        await client.puback(packet_id or 0)
    finally:
        await client.disconnect()
    client, _ = await RawMqtt.connect(broker_port(clinic), device, device, secret, clean=False)
    try:  # acknowledged: not delivered a third time
        with pytest.raises(TimeoutError):
            await client.read(timeout=1)
    finally:
        await client.disconnect()


async def test_a_client_that_drops_while_messages_are_redelivered_is_disconnected(
    clinic: Clinic, admin: Member
) -> None:
    device, _, _, client = await dropped_before_puback(clinic, admin)
    assert (await client.read()).dup is True
    await client.close()  # gone again before acknowledging the redelivery
    await until(lambda: session_state(clinic, device) == "disconnected")


async def test_a_silent_client_is_disconnected_after_one_and_a_half_keepalives_and_its_will_sent(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    will = Will(f"devices/{device}/status", b"lost", qos=1, retain=True)
    client, _ = await RawMqtt.connect(
        broker_port(clinic), device, device, secret, keepalive=1, will=will
    )
    try:
        assert await client.closed_by_broker(timeout=10), "still connected after 10 keepalives"
    finally:
        await client.close()
    broker = clinic.client.app.plugins.get(DevicesPlugin).broker
    assert broker is not None and broker._broker is not None
    retained = broker._broker.retained_messages.get(will.topic)
    assert retained is not None and retained.data == b"lost", "the Will was published"


async def test_a_client_silent_for_less_than_one_and_a_half_keepalives_stays_connected(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    client, _ = await RawMqtt.connect(broker_port(clinic), device, device, secret, keepalive=4)
    try:
        for _ in range(2):  # 5 s between packets: past 1x the keepalive, within 1.5x
            await asyncio.sleep(5)
            await client.send(bytes([0xC0, 0]))
            assert (await client.read()).kind == PINGRESP
        assert session_state(clinic, device) == "connected"
    finally:
        await client.disconnect()
