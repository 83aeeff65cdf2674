"""Isolation and session correctness of the broker: wills, retained messages, client ids, `$`,
the spellings of an id."""

import uuid

import aiomqtt
import pytest

from tests.plugins.devices.helpers import (
    API,
    amqtt_of,
    broker_port,
    eventually,
    mqtt,
    next_message,
    push,
    register,
    telemetry,
    token_of,
)
from tests.plugins.devices.raw_packets import (
    ACCEPTED,
    DISCONNECT,
    IDENTIFIER_REJECTED,
    NOT_AUTHORIZED,
    SUBACK,
    Will,
    connect_raw,
    publish_packet,
    subscribe_packet,
    until,
)
from tests.plugins.users.clinic import Clinic, Member

READING_OF = "SELECT * FROM reading WHERE device = $1 AND value = $2"


def connected_as(clinic: Clinic, username: str) -> int:
    """Connected sessions signed in as `username`."""
    sessions = list(amqtt_of(clinic).sessions.values())
    return sum(
        1
        for session, _ in sessions
        if session.username == username and session.transitions.state == "connected"
    )


async def device_with_status_will(clinic: Clinic, admin: Member) -> tuple[str, str, Will]:
    """A new device and a will on its own status topic (retained, so its publication shows)."""
    device, secret = await register(clinic, admin)
    return device, secret, Will(f"devices/{device}/status", b"offline", 1, retain=True)


async def test_a_will_outside_the_clients_own_topics_refuses_the_connect(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    other, _ = await register(clinic, admin)
    port = broker_port(clinic)
    forged = [
        Will(f"users/{patient.id}/notifications", b"URGENT from your doctor: call +1-900", 1),
        Will(f"devices/{other}/cmd/factory_reset", b"now", 1, retain=True),
        Will(f"devices/{device}/cmd/reboot", b"now", 0, retain=True),
    ]
    async with mqtt(clinic, str(patient.id), token_of(patient)) as app:
        await app.subscribe(f"users/{patient.id}/#", qos=1)
        for will in forged:
            client, _, code = await connect_raw(
                port, f"w-{uuid.uuid4().hex[:8]}", device, secret, will=will
            )
            client.drop()  # abruptly: a will that had been accepted would go out now
            assert code == NOT_AUTHORIZED, will.topic
        app_will = Will(f"users/{patient.id}/notifications", b"gone", 0)
        client, _, code = await connect_raw(
            port, f"w-{uuid.uuid4().hex[:8]}", str(patient.id), token_of(patient), will=app_will
        )
        client.drop()
        assert code == NOT_AUTHORIZED, "an app publishes nothing, not even a will"
        await push(clinic, f"users/{patient.id}/notifications", b"the real one")
        message = await next_message(app)
    assert message.payload == b"the real one", "no forged will reached the app"
    assert f"devices/{other}/cmd/factory_reset" not in amqtt_of(clinic).retained_messages


async def test_a_will_on_the_devices_own_status_topic_is_published_when_it_drops(
    clinic: Clinic, admin: Member
) -> None:
    device, secret, will = await device_with_status_will(clinic, admin)
    status = will.topic
    client, present, code = await connect_raw(
        broker_port(clinic), device, device, secret, will=will
    )
    client.drop()
    assert (present, code) == (False, ACCEPTED)
    retained = amqtt_of(clinic).retained_messages
    await until(lambda: status in retained)
    assert retained[status].data == b"offline"


async def test_retained_messages_reach_only_clients_allowed_to_receive_them(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    notifications = f"users/{patient.id}/notifications"
    async with mqtt(clinic, str(patient.id), token_of(patient)) as app:
        await app.subscribe(f"users/{patient.id}/#", qos=1)
        await clinic.in_app(amqtt_of(clinic).retain_message, None, notifications, b"for you", 1)
        async with mqtt(clinic, device, secret) as other:
            await other.subscribe(f"devices/{device}/cmd/#", qos=1)
            await push(clinic, f"devices/{device}/cmd/marker", b"marker")
            first = await next_message(other)
            assert (str(first.topic), first.payload) == (f"devices/{device}/cmd/marker", b"marker")
    async with mqtt(clinic, str(patient.id), token_of(patient)) as again:
        await again.subscribe(f"users/{patient.id}/#", qos=1)
        message = await next_message(again)
    assert (str(message.topic), message.payload, message.retain) == (
        notifications,
        b"for you",
        True,
    )


async def test_a_device_cannot_retain_a_message_outside_its_own_topics(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    other, other_secret = await register(clinic, admin)
    async with mqtt(clinic, device, secret) as client:
        await client.publish(f"devices/{other}/cmd/factory_reset", b"now", qos=1, retain=True)
        await client.publish(f"devices/{device}/status", b"up", qos=1, retain=True)
    retained = amqtt_of(clinic).retained_messages
    await until(lambda: f"devices/{device}/status" in retained)
    assert f"devices/{other}/cmd/factory_reset" not in retained
    async with mqtt(clinic, other, other_secret) as victim:
        await victim.subscribe(f"devices/{other}/cmd/#", qos=1)
        await push(clinic, f"devices/{other}/cmd/marker", b"marker")
        assert (await next_message(victim)).payload == b"marker"


@pytest.mark.parametrize("clean", [True, False], ids=["clean", "persistent"])
async def test_a_client_id_in_use_by_another_identity_is_refused(
    clinic: Clinic, admin: Member, clean: bool
) -> None:
    owner, owner_secret = await register(clinic, admin)
    intruder, intruder_secret = await register(clinic, admin)
    client_id = f"shared-{uuid.uuid4().hex[:8]}"
    port = broker_port(clinic)
    connected = aiomqtt.Client(
        "127.0.0.1", port, username=owner, password=owner_secret, identifier=client_id, timeout=5
    )
    async with connected:
        await connected.subscribe(f"devices/{owner}/cmd/#", qos=1)
        client, present, code = await connect_raw(
            port, client_id, intruder, intruder_secret, clean=clean
        )
        client.drop()
        assert (present, code) == (False, IDENTIFIER_REJECTED)
        await push(clinic, f"devices/{owner}/cmd/ping", b"still there?")
        assert (await next_message(connected)).payload == b"still there?"
    assert connected_as(clinic, intruder) == 0


async def test_an_offline_session_is_not_handed_to_another_identity(clinic: Clinic) -> None:
    owner = await clinic.member("patient")
    intruder = await clinic.member("patient")
    client_id = f"app-{uuid.uuid4().hex[:8]}"
    port = broker_port(clinic)
    notifications = f"users/{owner.id}/notifications"
    client, _, code = await connect_raw(
        port, client_id, str(owner.id), token_of(owner), clean=False
    )
    assert code == ACCEPTED
    await client.send(subscribe_packet(notifications, qos=1))
    assert (await client.read_packet())[0] == SUBACK
    await client.send(DISCONNECT)
    await until(lambda: connected_as(clinic, str(owner.id)) == 0)
    await push(clinic, notifications, b"your appointment is booked")
    sessions = amqtt_of(clinic).sessions
    await until(lambda: sessions[client_id][0].retained_messages.qsize() == 1)
    for clean in (False, True):
        stranger, present, code = await connect_raw(
            port, client_id, str(intruder.id), token_of(intruder), clean=clean
        )
        stranger.drop()
        assert (present, code) == (False, IDENTIFIER_REJECTED)
    back, present, code = await connect_raw(
        port, client_id, str(owner.id), token_of(owner), clean=False
    )
    try:
        assert (present, code) == (True, ACCEPTED)
        first, body = await back.read_packet()
        assert first & 0xF0 == 0x30 and body.endswith(b"your appointment is booked")
    finally:
        back.drop()


async def test_a_devices_id_is_its_client_id_alone(clinic: Clinic, admin: Member) -> None:
    """Seen: a patient's app holding a device's id as its client id (persistent session, before
    the device connected) shut the device out ("identifier rejected") for `session_expiry`."""
    device, secret = await register(clinic, admin)
    other, other_secret = await register(clinic, admin)
    squatter = await clinic.member("patient")
    port = broker_port(clinic)
    # Any spelling `uuid` reads is the device's id (seen: capitals let the app in).
    spellings = (device, device.upper(), uuid.UUID(device).hex)
    for client_id in spellings:
        for username, password in ((str(squatter.id), token_of(squatter)), (other, other_secret)):
            client, present, code = await connect_raw(
                port, client_id, username, password, clean=False
            )
            client.drop()
            assert (present, code) == (False, IDENTIFIER_REJECTED), (client_id, username)
    for client_id in spellings:
        client, present, code = await connect_raw(port, client_id, device, secret, clean=False)
        try:
            assert (present, code) == (False, ACCEPTED), client_id
        finally:
            client.drop()


async def test_session_present_is_clear_right_after_a_clean_session_ends(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    port = broker_port(clinic)
    client, present, code = await connect_raw(port, device, device, secret, clean=True)
    await client.send(DISCONNECT)
    assert (present, code) == (False, ACCEPTED)
    await client.closed_by_server()
    client, present, code = await connect_raw(port, device, device, secret, clean=False)
    await client.send(DISCONNECT)
    assert (present, code) == (False, ACCEPTED), "the clean session ended with its connection"
    await client.closed_by_server()
    client, present, code = await connect_raw(port, device, device, secret, clean=False)
    client.drop()
    assert (present, code) == (True, ACCEPTED), "a persistent session is kept"


async def test_a_publish_to_a_dollar_topic_is_dropped_and_the_session_keeps_working(
    clinic: Clinic, admin: Member
) -> None:
    device, secret, will = await device_with_status_will(clinic, admin)
    status = will.topic
    port = broker_port(clinic)
    retained = amqtt_of(clinic).retained_messages
    client, _, code = await connect_raw(port, device, device, secret, will=will)
    assert code == ACCEPTED
    await client.send(publish_packet("$SYS/broker/uptime", b"0", qos=0))
    await client.send(subscribe_packet(f"devices/{device}/cmd/#", qos=1, packet_id=7))
    first, body = await client.read_packet()
    assert (first, body) == (SUBACK, b"\x00\x07\x01")
    await client.send(DISCONNECT)
    assert await client.closed_by_server(), "DISCONNECT honoured"
    await until(lambda: connected_as(clinic, device) == 0)
    assert status not in retained, "no will after a DISCONNECT"

    client, _, code = await connect_raw(port, device, device, secret, will=will)
    await client.send(publish_packet("$share/x", b"0", qos=1))
    assert (await client.read_packet())[0] == 0x40  # PUBACK: the session is alive
    client.drop()
    await until(lambda: status in retained)
    await until(lambda: connected_as(clinic, device) == 0)


async def test_a_publish_without_a_topic_closes_the_connection_as_a_drop(
    clinic: Clinic, admin: Member
) -> None:
    device, secret, will = await device_with_status_will(clinic, admin)
    status = will.topic
    client, _, code = await connect_raw(broker_port(clinic), device, device, secret, will=will)
    assert code == ACCEPTED
    await client.send(publish_packet("", b"0", qos=0))
    assert await client.closed_by_server(), "a protocol violation closes the connection"
    retained = amqtt_of(clinic).retained_messages
    await until(lambda: status in retained)
    await until(lambda: connected_as(clinic, device) == 0)


async def test_a_device_signed_in_with_its_id_in_capitals_is_stored_on_the_documented_topic(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    # Sign-in reads any spelling `uuid.UUID` does; the session is the id as the API shows it,
    # so the documented topic is the device's own, and no acknowledged reading is lost unseen.
    device, secret = await register(clinic, admin, patient)
    spelt = device.upper()
    async with mqtt(clinic, spelt, secret) as client:
        await client.publish(f"devices/{spelt}/telemetry", telemetry(("spo2", 94, "%")), qos=1)
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 93, "%")), qos=1)
        await eventually(clinic, READING_OF, uuid.UUID(device), 93.0)
    assert not await clinic.fetch(READING_OF, uuid.UUID(device), 94.0)
    shown = (await clinic.client.get(f"{API}/{device}", headers=admin.headers)).json()
    assert shown["invalid_messages"] == 1, "the refused reading is counted on the device"
    assert f"devices/{spelt}/telemetry" in shown["last_error"]
