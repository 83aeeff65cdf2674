"""Telemetry on the real broker: QoS 2 stored once, re-sent messages one row, plausible values
only (the spool's own limits: `test_mqtt_spool`)."""

import asyncio
import contextlib
import struct
import uuid
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import msgspec
import pytest

from tests.plugins.devices.helpers import (
    API,
    broker_port,
    register,
    telemetry,
)
from tests.plugins.devices.raw_packets import _string, connect_packet
from tests.plugins.devices.raw_qos import (
    CONNACK,
    PUBACK,
    PUBCOMP,
    PUBLISH,
    PUBREC,
    PUBREL,
    QosClient,
    packet,
    raw_connection,
)
from tests.plugins.devices.readings import publish_marker, reading_count
from tests.plugins.users.clinic import Clinic, Member


async def test_a_qos2_publish_sent_again_before_pubrel_is_one_reading(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    topic, port = f"devices/{device}/telemetry", broker_port(clinic)
    payload = telemetry(("heart_rate", 71, "bpm"))  # no ts, no id: only the packet id tells
    async with raw_connection(port, device, secret, f"q2-{device}") as client:
        await client.publish(topic, payload, qos=2, packet_id=7)
        await client.expect(PUBREC, 7)
        await client.publish(topic, payload, qos=2, packet_id=7, dup=True)
        await client.expect(PUBREC, 7)
        await client.pubrel(7)
        await client.expect(PUBCOMP, 7)
        await publish_marker(clinic, client, device, 72, 8)
    assert await reading_count(clinic, device, 71) == 1


class Unreleased(NamedTuple):
    """A device that sent a QoS 2 reading and lost its connection before PUBREL."""

    device: str
    secret: str
    client_id: str
    topic: str
    payload: bytes


async def _unreleased(
    clinic: Clinic, admin: Member, patient: Member, value: float, packet_id: int
) -> Unreleased:
    device, secret = await register(clinic, admin, patient)
    sent = Unreleased(
        device,
        secret,
        f"q2-{device}",
        f"devices/{device}/telemetry",
        telemetry(("heart_rate", value, "bpm")),
    )
    port = broker_port(clinic)
    async with raw_connection(port, device, secret, sent.client_id, clean=False) as client:
        await client.publish(sent.topic, sent.payload, qos=2, packet_id=packet_id)
        await client.expect(PUBREC, packet_id)
    return sent


async def test_a_qos2_publish_sent_again_after_reconnecting_is_one_reading(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret, client_id, topic, payload = await _unreleased(clinic, admin, patient, 81, 9)
    port = broker_port(clinic)
    # The PUBREC was lost with the connection: the device sends the PUBLISH again (DUP).
    async with raw_connection(port, device, secret, client_id, clean=False) as client:
        await client.publish(topic, payload, qos=2, packet_id=9, dup=True)
        await client.pubrel(9)
        kinds = []
        while PUBCOMP not in kinds:  # the broker may also resend its PUBREC on reconnect
            kinds.append((await client.read())[0])
        assert set(kinds) == {PUBREC, PUBCOMP}
        await publish_marker(clinic, client, device, 82, 10)
    assert await reading_count(clinic, device, 81) == 1


async def test_a_pubrel_in_the_same_write_as_the_reconnect_gets_no_stale_pubrec(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret, client_id, topic, payload = await _unreleased(clinic, admin, patient, 91, 11)
    # Back with the PUBLISH (DUP) and its PUBREL in the very write of the CONNECT: the broker's
    # resent flow for packet 11 races the reader for them.
    reader, writer = await asyncio.open_connection("127.0.0.1", broker_port(clinic))
    client = QosClient(reader, writer)
    try:
        await client.send(
            connect_packet(client_id, device, secret, clean=False)
            + packet(PUBLISH, 0x0C, _string(topic) + struct.pack(">H", 11) + payload)
            + packet(PUBREL, 0x02, struct.pack(">H", 11))
        )
        kinds = []
        with contextlib.suppress(TimeoutError):
            while True:
                kinds.append((await client.read(timeout=1.5))[0])
    finally:
        writer.close()
    assert kinds[0] == CONNACK and PUBCOMP in kinds, kinds
    assert PUBREC not in kinds[kinds.index(PUBCOMP) :], f"a PUBREC after the PUBCOMP: {kinds}"
    assert await reading_count(clinic, device, 91) == 1


async def test_a_message_sent_again_with_its_ts_or_id_is_one_row(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    topic, port = f"devices/{device}/telemetry", broker_port(clinic)
    measured = datetime.now(UTC) - timedelta(minutes=1)
    with_ts = telemetry(("heart_rate", 61, "bpm"), ts=measured)
    with_id = msgspec.json.encode(
        {"id": "m-1", "readings": [{"metric": "heart_rate", "value": 62, "unit": "bpm"}]}
    )
    plain = telemetry(("heart_rate", 63, "bpm"))
    async with raw_connection(port, device, secret, f"dup-{device}") as client:
        pid = 0
        for payload in (with_ts, with_ts, with_id, with_id, plain, plain):
            pid += 1  # QoS 1 re-sent as a new message (a device that retried on its own)
            await client.publish(topic, payload, qos=1, packet_id=pid)
            await client.expect(PUBACK, pid)
        await publish_marker(clinic, client, device, 64, pid + 1)
    assert [await reading_count(clinic, device, v) for v in (61, 62, 63)] == [1, 1, 2]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (telemetry(("spo2", 1e308, "%")), "spo2 1e+308 is outside 0..100"),
        (telemetry(("heart_rate", -5, "bpm")), "heart_rate -5 is outside 10..350"),
        (
            b'{"ts": "0001-01-01T00:00:00Z", '
            b'"readings": [{"metric": "spo2", "value": 96, "unit": "%"}]}',
            "before 2000-01-01",
        ),
        (telemetry(("systolic", 120, "mmHg"), ("diastolic", 500, "mmHg")), "diastolic 500"),
    ],
)
async def test_implausible_readings_are_refused_whole_and_counted(
    clinic: Clinic, admin: Member, patient: Member, payload: bytes, reason: str
) -> None:
    device, secret = await register(clinic, admin, patient)
    async with raw_connection(broker_port(clinic), device, secret, f"r-{device}") as client:
        await client.publish(f"devices/{device}/telemetry", payload, qos=1, packet_id=1)
        await client.expect(PUBACK, 1)  # refused for good: sending it again would not help
        await publish_marker(clinic, client, device, 70, 2)
    rows = await clinic.fetch("SELECT metric FROM reading WHERE device = $1", uuid.UUID(device))
    assert [r["metric"] for r in rows] == ["heart_rate"]
    shown = (await clinic.client.get(f"{API}/{device}", headers=admin.headers)).json()
    assert shown["invalid_messages"] == 1
    assert reason in shown["last_error"]


async def test_text_postgresql_cannot_hold_is_refused_and_other_devices_go_on(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    other, other_secret = await register(clinic, admin, await clinic.member("patient"))
    spo2 = b'"readings": [{"metric": "spo2", "value": 97, "unit": "%"}]'
    nul_id = b'{"id": "a\\u0000b", ' + spo2 + b"}"
    nul_field = b"{" + spo2 + b', "x\\u0000y": 1}'  # msgspec names the field in its reason
    async with raw_connection(broker_port(clinic), device, secret, f"n-{device}") as client:
        for pid, payload in enumerate((nul_id, nul_field), 1):
            await client.publish(f"devices/{device}/telemetry", payload, qos=1, packet_id=pid)
            await client.expect(PUBACK, pid)
    async with raw_connection(broker_port(clinic), other, other_secret, f"n-{other}") as client:
        await publish_marker(clinic, client, other, 71, 1)
    shown = (await clinic.client.get(f"{API}/{device}", headers=admin.headers)).json()
    assert shown["invalid_messages"] == 2
    assert "unknown field `x\\u0000y`" in shown["last_error"]
    assert await clinic.fetch("SELECT 1 FROM reading WHERE device = $1", uuid.UUID(device)) == []
