"""A connection sending faster than `max_packet_rate` is read more slowly: TCP pushes back.

A device whose firmware loops on publish would otherwise take the broker's event loop (the one
serving the API) and fill the telemetry spool every device shares; paced, it loses nothing.
"""

import time
import uuid
from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import broker_port, devices_settings, eventually, register
from tests.plugins.devices.raw_qos import PUBACK, publishes, raw_connection
from tests.plugins.users.clinic import Clinic, Member, running_clinic

RATE = 20
"""Packets a second, on average, one connection may send (bursts of twice that)."""


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A broker pacing each connection at `RATE` packets a second."""
    async with running_clinic(devices_settings(settings, max_packet_rate=RATE)) as running:
        yield running


async def test_a_device_publishing_too_fast_is_paced_and_loses_nothing(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    values = list(range(40, 140))  # 100 messages in one write: 2 s of burst, then paced
    async with raw_connection(broker_port(clinic), device, secret, f"fast-{device}") as client:
        started = time.monotonic()
        await client.send(publishes(device, values))
        answers = [await client.read(timeout=20) for _ in values]
        took = time.monotonic() - started
    assert answers == [(PUBACK, n.to_bytes(2, "big")) for n in range(1, len(values) + 1)]
    assert took >= (len(values) - 2 * RATE) / RATE * 0.9, f"read at {len(values) / took:.0f}/s"
    query = "SELECT count(*) AS n FROM reading WHERE device = $1 HAVING count(*) >= $2"
    row = await eventually(clinic, query, uuid.UUID(device), len(values))
    assert row["n"] == len(values)
