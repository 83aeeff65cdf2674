"""Readings as tests count them: rows of one value, and a marker proving earlier ones stored."""

import uuid

from tests.plugins.devices.helpers import eventually, telemetry
from tests.plugins.devices.raw_qos import PUBACK, QosClient
from tests.plugins.users.clinic import Clinic

READING_OF = "SELECT * FROM reading WHERE device = $1 AND value = $2"
COUNT_OF = "SELECT count(*) FROM reading WHERE device = $1 AND value = $2"


async def reading_count(clinic: Clinic, device: str, value: float) -> int:
    """How many rows `device` has with `value`."""
    return (await clinic.fetch(COUNT_OF, uuid.UUID(device), value))[0]["count"]


async def publish_marker(
    clinic: Clinic, client: QosClient, device: str, value: float, pid: int
) -> None:
    """Publish one more reading and wait for its row: everything acknowledged before is stored."""
    payload = telemetry(("heart_rate", value, "bpm"))
    await client.publish(f"devices/{device}/telemetry", payload, qos=1, packet_id=pid)
    await client.expect(PUBACK, pid)
    await eventually(clinic, READING_OF, uuid.UUID(device), value)
