"""MQTT 3.1.1 protocol violations: the broker answers none of them and closes the connection.

[MQTT-4.8.0-1]: on a protocol violation the server closes the network connection; a client's
will is then published, as for any close other than DISCONNECT ([MQTT-3.1.2-8]).
"""

import asyncio
import logging
import struct
import time
import uuid

import pytest

from tests.plugins.devices.helpers import (
    amqtt_of,
    broker_port,
    eventually,
    mqtt,
    refusals,
    register,
    telemetry,
)
from tests.plugins.devices.raw_packets import (
    ACCEPTED,
    UNACCEPTABLE_PROTOCOL_VERSION,
    RawClient,
    Will,
    _string,
    connect_packet,
    connect_raw,
    packet,
    raw_connection,
    until,
)
from tests.plugins.users.clinic import Clinic, Member

PACKET_ID = struct.pack("!H", 7)


def connect_with(
    flags: int, client_id: bytes, username: bytes, password: bytes, *, will: bytes = b""
) -> bytes:
    """A CONNECT whose flags byte is exactly `flags` and whose fields are these bytes."""
    header = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", 60)
    fields = _string(client_id) + will + _string(username) + _string(password)
    return packet(0x10, header + fields)


def malformed_connects(device: str, secret: str) -> dict[str, bytes]:
    """CONNECTs that break MQTT 3.1.1, each with the rule it breaks."""
    name, user, password = f"bad-{device}"[:23].encode(), device.encode(), secret.encode()
    valid = connect_with(0xC2, name, user, password)
    return {
        "fixed-header flags [MQTT-2.2.2-2]": b"\x11" + valid[1:],
        "will QoS without the will flag [MQTT-3.1.2-13]": connect_with(0xCA, name, user, password),
        "will retain without the will flag [MQTT-3.1.2-15]": connect_with(
            0xE2, name, user, password
        ),
        "client id not UTF-8 [MQTT-1.5.3-1]": connect_with(0xC2, b"\xff\xfe", user, password),
        "client id with U+0000 [MQTT-1.5.3-2]": connect_with(0xC2, b"a\0b", user, password),
        "username with U+0000 [MQTT-1.5.3-2]": connect_with(0xC2, name, user + b"\0", password),
        "will topic with a wildcard [MQTT-3.3.2-2]": connect_with(
            0xC6, name, user, password, will=_string(f"devices/{device}/#") + _string(b"x")
        ),
        "empty will topic [MQTT-4.7.3-1]": connect_with(
            0xCE, name, user, password, will=_string("") + _string(b"x")
        ),
        "bytes after the payload": valid[:1] + bytes([valid[1] + 3]) + valid[2:] + b"xyz",
        "ends inside its variable header": packet(0x10, _string("MQTT") + b"\x04\xc2\x00"),
        "reserved flag set [MQTT-3.1.2-3]": connect_with(0xC3, name, user, password),
        "password without username [MQTT-3.1.2-22]": packet(
            0x10,
            _string("MQTT")
            + b"\x04\x42"
            + struct.pack("!H", 60)
            + _string(name)
            + _string(password),
        ),
    }


async def everything_until_closed(client: RawClient, timeout: float = 5) -> list[int]:
    """The first byte of every packet the broker sends until it closes the connection."""
    firsts = []
    try:
        while True:
            firsts.append((await client.read_packet(timeout=timeout))[0])
    except (asyncio.IncompleteReadError, ConnectionError):
        return firsts
    except TimeoutError:
        raise AssertionError(f"still open after {timeout} s; received {firsts}") from None


def violations(topic: str, commands: str) -> dict[str, bytes]:
    """Packets a signed-in device may never send, each with the rule it breaks."""
    reading = telemetry(("heart_rate", 71, "bpm"))
    return {
        "PUBLISH QoS 3 [MQTT-3.3.1-4]": packet(0x36, _string(topic) + PACKET_ID + reading),
        "PUBLISH DUP at QoS 0 [MQTT-3.3.1-2]": packet(0x38, _string(topic) + reading),
        "PUBLISH to a + wildcard [MQTT-3.3.2-2]": packet(0x30, _string(topic + "/+") + reading),
        "PUBLISH to a # wildcard [MQTT-3.3.2-2]": packet(0x30, _string(topic + "/#") + reading),
        "PUBLISH topic with U+0000 [MQTT-1.5.3-2]": packet(0x30, _string(topic + "\0") + reading),
        "PUBLISH topic not UTF-8 [MQTT-1.5.3-1]": packet(0x30, _string(b"dev\xff\xfe") + reading),
        "PUBLISH QoS 1 to an empty topic [MQTT-4.7.3-1]": packet(
            0x32, _string("") + PACKET_ID + reading
        ),
        "PUBLISH QoS 2 to an empty topic [MQTT-4.7.3-1]": packet(
            0x34, _string("") + PACKET_ID + reading
        ),
        "PUBLISH QoS 1 with packet id 0 [MQTT-2.3.1-1]": packet(
            0x32, _string(topic) + b"\0\0" + reading
        ),
        "SUBSCRIBE with flags 0 [MQTT-3.8.1-1]": packet(
            0x80, PACKET_ID + _string(commands) + b"\1"
        ),
        "SUBSCRIBE without a filter [MQTT-3.8.3-3]": packet(0x82, PACKET_ID),
        "SUBSCRIBE asking QoS 3 [MQTT-3.8.3-4]": packet(
            0x82, PACKET_ID + _string(commands) + b"\3"
        ),
        "SUBSCRIBE reserved bits set [MQTT-3.8.3-4]": packet(
            0x82, PACKET_ID + _string(commands) + b"\x41"
        ),
        "SUBSCRIBE with packet id 0 [MQTT-2.3.1-1]": packet(
            0x82, b"\0\0" + _string(commands) + b"\1"
        ),
        "UNSUBSCRIBE with flags 0 [MQTT-3.10.1-1]": packet(0xA0, PACKET_ID + _string(commands)),
        "UNSUBSCRIBE without a filter [MQTT-3.10.3-2]": packet(0xA2, PACKET_ID),
        "PUBREL with flags 0 [MQTT-3.6.1-1]": packet(0x60, PACKET_ID),
        "PINGREQ with flags 1 [MQTT-2.2.2-2]": packet(0xC1, b""),
        "PUBACK with a 3-byte body [MQTT-3.4.1]": packet(0x40, PACKET_ID + b"\0"),
        "CONNACK from a client": packet(0x20, b"\0\0"),
        "SUBACK from a client": packet(0x90, PACKET_ID + b"\1"),
        "UNSUBACK from a client": packet(0xB0, PACKET_ID),
        "PINGRESP from a client": packet(0xD0, b""),
    }


async def test_a_signed_in_client_breaking_the_protocol_gets_no_answer_and_is_closed(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    port = broker_port(clinic)
    wrong = violations(f"devices/{device}/telemetry", f"devices/{device}/cmd/#")
    before = await refusals(clinic)
    failures = {}
    for rule, wire in wrong.items():
        client, _, code = await connect_raw(port, device, device, secret)
        assert code == ACCEPTED
        try:
            await client.send(wire)
            answered = await everything_until_closed(client)
            if answered:
                failures[rule] = [hex(first) for first in answered]
        except AssertionError as exc:
            failures[rule] = str(exc)
        finally:
            client.drop()
    assert failures == {}
    counted = (await refusals(clinic))["refused_protocol_violation"]
    assert counted == before["refused_protocol_violation"] + len(wrong)
    # A valid reading after them: once it is stored, it is the only one.
    async with mqtt(clinic, device, secret) as valid:
        await valid.publish(f"devices/{device}/telemetry", telemetry(("heart_rate", 72, "bpm")), 1)
    await eventually(clinic, "SELECT 1 FROM reading WHERE device = $1", uuid.UUID(device))
    rows = await clinic.fetch("SELECT value FROM reading WHERE device = $1", uuid.UUID(device))
    assert [row["value"] for row in rows] == [72], "no reading of a refused PUBLISH is stored"


async def test_a_protocol_violation_publishes_the_clients_will(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    will = Will(f"devices/{device}/status", b"offline", 1, retain=True)
    client, _, code = await connect_raw(broker_port(clinic), device, device, secret, will=will)
    assert code == ACCEPTED
    try:
        await client.send(packet(0x36, _string(f"devices/{device}/telemetry") + PACKET_ID + b"{}"))
        assert await everything_until_closed(client) == []
    finally:
        client.drop()
    retained = amqtt_of(clinic).retained_messages
    await until(lambda: will.topic in retained)
    assert retained[will.topic].data == b"offline"


async def test_a_malformed_connect_gets_no_connack_and_is_closed(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    malformed = malformed_connects(device, secret)
    before = await refusals(clinic)
    failures = {}
    for rule, wire in malformed.items():
        async with raw_connection(broker_port(clinic)) as client:
            await client.send(wire)
            try:
                answered = await everything_until_closed(client)
            except AssertionError as exc:
                failures[rule] = str(exc)
            else:
                if answered:
                    failures[rule] = [hex(first) for first in answered]
    assert failures == {}
    counted = (await refusals(clinic))["refused_protocol_violation"]
    assert counted == before["refused_protocol_violation"] + len(malformed)


async def test_an_mqtt_3_1_connect_is_answered_unacceptable_protocol_version(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    fields = _string(f"v31-{device}"[:23]) + _string(device) + _string(secret)
    connect = packet(0x10, _string("MQIsdp") + b"\x03\xc2" + struct.pack("!H", 60) + fields)
    async with raw_connection(broker_port(clinic)) as client:
        await client.send(connect)
        assert await client.connack() == (False, UNACCEPTABLE_PROTOCOL_VERSION)
        assert await everything_until_closed(client) == []


async def test_a_first_packet_other_than_connect_closes_the_socket_at_once(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    async with raw_connection(broker_port(clinic)) as client:
        started = time.monotonic()
        await client.send(packet(0xC0, b"") + connect_packet(f"late-{device}", device, secret))
        assert await everything_until_closed(client) == [], "no CONNACK after a PINGREQ"
        assert time.monotonic() - started < 5, "closed at once, not at the CONNECT deadline"


async def test_a_socket_closed_before_its_connect_logs_no_warning(
    clinic: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    # What a TCP health probe or a port scan does, every few seconds for as long as it runs.
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        async with raw_connection(broker_port(clinic)):
            pass
    await asyncio.sleep(0.5)  # the broker sees each end
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == []
    assert any("before its CONNECT" in r.getMessage() for r in caplog.records), "kept at debug"
