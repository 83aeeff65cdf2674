"""Telemetry on the real broker: QoS 2 stored once, re-sent messages one row, plausible values
only, and no acknowledgement while the spool cannot take a message."""

import asyncio
import contextlib
import struct
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import (
    API,
    broker_port,
    devices_settings,
    eventually,
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
from tests.plugins.users.clinic import Clinic, Member, running_clinic

READING_OF = "SELECT * FROM reading WHERE device = $1 AND value = $2"
COUNT_OF = "SELECT count(*) FROM reading WHERE device = $1 AND value = $2"


async def _count(clinic: Clinic, device: str, value: float) -> int:
    return (await clinic.fetch(COUNT_OF, uuid.UUID(device), value))[0]["count"]


@asynccontextmanager
async def connected_device(
    settings: Settings, **devices: Any
) -> AsyncIterator[tuple[Clinic, str, QosClient]]:
    """A clinic whose devices plugin is set with `devices`, and one device signed in to it."""
    async with running_clinic(devices_settings(settings, **devices)) as clinic:
        admin = await clinic.member("admin")
        device, secret = await register(clinic, admin, await clinic.member("patient"))
        async with raw_connection(broker_port(clinic), device, secret, f"c-{device}") as client:
            yield clinic, device, client


async def refused(clinic: Clinic) -> int:
    """Telemetry messages the broker did not acknowledge (spool full or its write failed)."""
    detail = (await clinic.health_detailed()).json()["checks"]["mqtt"]["detail"]
    return int(detail["messages_refused"])


async def _marker(clinic: Clinic, client: object, device: str, value: float, pid: int) -> None:
    """Publish one more reading and wait for its row: everything acknowledged before is stored."""
    payload = telemetry(("heart_rate", value, "bpm"))
    await client.publish(f"devices/{device}/telemetry", payload, qos=1, packet_id=pid)  # type: ignore[attr-defined]
    await client.expect(PUBACK, pid)  # type: ignore[attr-defined]
    await eventually(clinic, READING_OF, uuid.UUID(device), value)


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
        await _marker(clinic, client, device, 72, 8)
    assert await _count(clinic, device, 71) == 1


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
        await _marker(clinic, client, device, 82, 10)
    assert await _count(clinic, device, 81) == 1


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
    assert await _count(clinic, device, 91) == 1


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
        await _marker(clinic, client, device, 64, pid + 1)
    assert [await _count(clinic, device, v) for v in (61, 62, 63)] == [1, 1, 2]


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
        await _marker(clinic, client, device, 70, 2)
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
        await _marker(clinic, client, other, 71, 1)
    shown = (await clinic.client.get(f"{API}/{device}", headers=admin.headers)).json()
    assert shown["invalid_messages"] == 2
    assert "unknown field `x\\u0000y`" in shown["last_error"]
    assert await clinic.fetch("SELECT 1 FROM reading WHERE device = $1", uuid.UUID(device)) == []


async def test_a_full_spool_acknowledges_nothing_and_says_so(settings: Settings) -> None:
    # Smaller than any message: every telemetry message is refused.
    async with running_clinic(devices_settings(settings, spool_max_bytes=16)) as clinic:
        admin = await clinic.member("admin")
        device, secret = await register(clinic, admin, await clinic.member("patient"))
        topic = f"devices/{device}/telemetry"
        async with raw_connection(broker_port(clinic), device, secret, f"f-{device}") as client:
            await client.publish(topic, telemetry(("spo2", 95, "%")), qos=1, packet_id=1)
            await client.publish(f"devices/{device}/status", b"online", qos=1, packet_id=2)
            await client.expect(PUBACK, 2)  # the status came later and was answered first
        health = (await clinic.health_detailed()).json()["checks"]["mqtt"]
        assert health["ok"] is False
        assert health["detail"]["spool_full"] is True
        assert health["detail"]["messages_refused"] == 1
        assert (
            await clinic.fetch("SELECT 1 FROM reading WHERE device = $1", uuid.UUID(device)) == []
        )


async def test_a_reading_the_disk_could_not_keep_is_not_acknowledged_and_the_next_is(
    settings: Settings, tmp_path: Path
) -> None:
    # Segments of 64 bytes: each message starts a new one, and segment 2 is a full disk.
    configured = {"spool_dir": str(tmp_path), "spool_segment_bytes": 64}
    async with connected_device(settings, **configured) as (clinic, device, client):
        topic = f"devices/{device}/telemetry"
        await client.publish(topic, telemetry(("spo2", 94, "%")), qos=1, packet_id=1)
        await client.expect(PUBACK, 1)  # in segment 1
        (tmp_path / "2.seg").symlink_to("/dev/full")
        await client.publish(topic, telemetry(("spo2", 95, "%")), qos=1, packet_id=2)
        async with asyncio.timeout(10):
            while await refused(clinic) < 1:  # its write failed: no PUBACK, the device resends
                await asyncio.sleep(0.05)
        await client.publish(topic, telemetry(("spo2", 96, "%")), qos=1, packet_id=3)
        await client.expect(PUBACK, 3)  # the next write goes to a new segment
        await eventually(clinic, READING_OF, uuid.UUID(device), 96)
        assert await refused(clinic) == 1
        assert await _count(clinic, device, 95) == 0
        assert await _count(clinic, device, 94) == 1


async def test_a_qos2_resend_while_the_first_is_being_written_waits_for_it(
    settings: Settings,
) -> None:
    # A long flush wait: the resend arrives while the first copy is not yet durable.
    async with connected_device(settings, spool_flush_window="300ms") as (clinic, device, client):
        topic = f"devices/{device}/telemetry"
        await client.publish(topic, telemetry(("spo2", 93, "%")), qos=2, packet_id=3)
        await client.publish(topic, telemetry(("spo2", 93, "%")), qos=2, packet_id=3, dup=True)
        await client.expect(PUBREC, 3)  # only once the reading is durable
        await client.pubrel(3)
        await client.expect(PUBCOMP, 3)
        # Nothing else is owed for packet 3: the next answer is the marker's PUBACK.
        await _marker(clinic, client, device, 66, 4)
        assert await _count(clinic, device, 93) == 1
