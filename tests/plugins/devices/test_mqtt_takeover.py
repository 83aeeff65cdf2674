"""A client id already connected: the new connection takes over, the old one is closed.

[MQTT-3.1.4-2]: if the client id represents a client already connected, the server must
disconnect the existing client. A device whose connection went half-open (mobile networks,
a power blip on the router) reconnects with its client id: only the new connection may serve it.
"""

import asyncio
import uuid

import pytest

from hduce.contracts.notifications import PushPublisher
from tests.plugins.devices.helpers import amqtt_of, broker_port, eventually, register, telemetry
from tests.plugins.devices.raw_packets import (
    ACCEPTED,
    PUBLISH,
    SUBACK,
    RawClient,
    Will,
    connect_raw,
    subscribe_packet,
    until,
)
from tests.plugins.users.clinic import Clinic, Member


async def subscribe(client: RawClient, topic_filter: str) -> None:
    """SUBSCRIBE and wait for the SUBACK."""
    await client.send(subscribe_packet(topic_filter))
    assert (await client.read_packet())[0] == SUBACK


async def assert_commanded(clinic: Clinic, client: RawClient, device: str, payload: bytes) -> None:
    """A command the clinic sends the device arrives on `client`."""
    publisher = clinic.context.registry.get(PushPublisher)
    await clinic.in_app(publisher.publish, f"devices/{device}/cmd/ping", payload)
    first, body = await client.read_packet()
    assert first >> 4 == PUBLISH >> 4 and body.endswith(payload)


@pytest.mark.parametrize("clean", [True, False], ids=["clean session", "persistent session"])
async def test_a_second_connection_with_the_same_client_id_takes_over(
    clinic: Clinic, admin: Member, clean: bool
) -> None:
    device, secret = await register(clinic, admin)
    port, commands = broker_port(clinic), f"devices/{device}/cmd/#"
    old, _, code = await connect_raw(port, device, device, secret, clean=clean)
    assert code == ACCEPTED
    try:
        await subscribe(old, commands)
        new, present, code = await connect_raw(port, device, device, secret, clean=clean)
        try:
            assert (code, present) == (ACCEPTED, not clean)
            assert await old.closed_by_server(timeout=5), "the old connection is closed"
            if clean:  # a clean session starts without the old one's subscriptions
                await subscribe(new, commands)
            await assert_commanded(clinic, new, device, b"to the new one")
            await asyncio.sleep(1.5)  # past amqtt's session monitor: the new session stays
            await assert_commanded(clinic, new, device, b"still there")
        finally:
            new.drop()
    finally:
        old.drop()


async def test_the_connection_taken_over_ends_as_a_drop_and_its_will_goes_out(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    will = Will(f"devices/{device}/status", b"offline", 1, retain=True)
    port = broker_port(clinic)
    old, _, code = await connect_raw(port, device, device, secret, will=will)
    try:
        new, _, code = await connect_raw(port, device, device, secret)
        new.drop()
        assert code == ACCEPTED
        retained = amqtt_of(clinic).retained_messages
        await until(lambda: will.topic in retained)
        assert retained[will.topic].data == b"offline"
    finally:
        old.drop()


@pytest.mark.parametrize("clean", [True, False], ids=["clean session", "persistent session"])
async def test_connections_racing_with_one_client_id_leave_one_serving_it(
    clinic: Clinic, admin: Member, clean: bool
) -> None:
    """CONNECTs signing in at the same instant are taken over in turn, as if one after another."""
    device, secret = await register(clinic, admin)
    port, commands = broker_port(clinic), f"devices/{device}/cmd/#"
    racing = await asyncio.gather(
        *(connect_raw(port, device, device, secret, clean=clean) for _ in range(4)),
        return_exceptions=True,
    )
    clients = [result[0] for result in racing if not isinstance(result, BaseException)]
    try:
        assert [code for _, _, code in racing] == [ACCEPTED] * 4  # type: ignore[misc]
        closed = await asyncio.gather(*(c.closed_by_server(timeout=3) for c in clients))
        assert sorted(closed) == [False, True, True, True], "exactly one connection still open"
        survivor = clients[closed.index(False)]
        await subscribe(survivor, commands)
        await assert_commanded(clinic, survivor, device, b"to the survivor")
        broker = amqtt_of(clinic)
        sessions = await clinic.in_app(asyncio.sleep, 0, list(broker.sessions.values()))
        kept = [(s.client_id, s.transitions.state) for s, _ in sessions if s.username == device]
        assert kept == [(device, "connected")], "one session for the client id, the survivor's"
    finally:
        for client in clients:
            client.drop()


async def test_a_devices_last_will_on_its_telemetry_is_kept_as_a_reading(
    clinic: Clinic, admin: Member
) -> None:
    """A will the ACL lets a device set on its telemetry topic went nowhere when it dropped."""
    device, secret = await register(clinic, admin)
    reading = telemetry(("spo2", 81.0, "%"))
    will = Will(f"devices/{device}/telemetry", reading, 1, retain=False)
    client, _, code = await connect_raw(broker_port(clinic), device, device, secret, will=will)
    assert code == ACCEPTED
    client.drop()
    query = "SELECT 1 FROM reading WHERE device = $1 AND metric = 'spo2' AND value = 81"
    await eventually(clinic, query, uuid.UUID(device))
