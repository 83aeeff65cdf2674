"""How the broker reads packets off the wire: split anywhere, many in one write, malformed."""

import asyncio
import struct
import uuid

from tests.plugins.devices.helpers import broker_port, eventually, register
from tests.plugins.devices.raw_qos import PUBACK, packet, publishes, raw_connection
from tests.plugins.users.clinic import Clinic, Member

PINGREQ, PINGRESP = 12, 13
STORED = (
    "SELECT count(*) FROM reading WHERE device = $1 AND value = ANY($2::float8[]) "
    "HAVING count(*) >= $3"
)


async def stored(clinic: Clinic, device: str, values: list[int]) -> None:
    """Wait until every value has a row, and check none has two."""
    row = await eventually(clinic, STORED, uuid.UUID(device), values, len(values))
    assert row["count"] == len(values)


async def test_packets_arriving_a_byte_at_a_time_are_read_whole(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    values = [61, 62, 63]
    wire = publishes(device, values) + packet(PINGREQ, 0, b"")
    async with raw_connection(broker_port(clinic), device, secret, f"split-{device}") as client:
        for byte in wire:  # every packet split at every byte, each byte its own segment
            await client.send(bytes([byte]))
            await asyncio.sleep(0.001)
        answers = [await client.read() for _ in range(len(values) + 1)]
    acks = [struct.unpack(">H", body)[0] for kind, body in answers if kind == PUBACK]
    assert acks == [1, 2, 3], answers
    assert (PINGRESP, b"") in answers
    await stored(clinic, device, values)


async def test_many_packets_in_one_write_are_each_acknowledged_in_order(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    values = list(range(40, 100))
    async with raw_connection(broker_port(clinic), device, secret, f"burst-{device}") as client:
        await client.send(publishes(device, values, first_id=100))
        answers = [await client.read() for _ in values]
    assert answers == [(PUBACK, struct.pack(">H", 100 + n)) for n in range(len(values))]
    await stored(clinic, device, values)


async def test_a_remaining_length_longer_than_four_bytes_closes_the_connection(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    async with raw_connection(broker_port(clinic), device, secret, f"bad-{device}") as client:
        await client.send(b"\x30\xff\xff\xff\xff\x01")  # MQTT allows at most 4 length bytes
        kinds = []
        try:
            while True:
                kinds.append((await client.read(timeout=5))[0])
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        assert kinds == [], "nothing answers a malformed packet"
