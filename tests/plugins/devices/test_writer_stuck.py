"""A telemetry writer blocked without failing is reported in /health/detailed.

A statement waiting on a lock raises nothing until its deadline (or never, with a long one):
`writer_failing` stayed False and the check ok while acknowledged readings were neither stored
nor alerted on.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import devices_settings, eventually, mqtt, register, telemetry
from tests.plugins.users.clinic import Clinic, Member, running_clinic

STORED = "SELECT 1 FROM reading WHERE device = $1"


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """A clinic whose writer counts as stuck after 1 s without storing what waits."""
    async with running_clinic(devices_settings(settings, writer_stuck_after=1)) as running:
        yield running


async def mqtt_check(clinic: Clinic) -> dict[str, Any]:
    """The `mqtt` check of /health/detailed."""
    check: dict[str, Any] = (await clinic.health_detailed()).json()["checks"]["mqtt"]
    return check


async def test_a_writer_blocked_on_a_lock_is_reported_stuck_until_it_stores_again(
    clinic: Clinic, raw_pool: asyncpg.Pool, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    assert (await mqtt_check(clinic))["detail"]["writer_stuck"] is False
    async with raw_pool.acquire() as connection, connection.transaction():
        await connection.execute("LOCK TABLE reading IN SHARE MODE")
        async with mqtt(clinic, device, secret) as client:
            reading = telemetry(("heart_rate", 64, "bpm"))
            await client.publish(f"devices/{device}/telemetry", reading, qos=1)
        async with asyncio.timeout(5):  # within the statement deadline (10 s): nothing raised
            while (await mqtt_check(clinic))["ok"]:
                await asyncio.sleep(0.1)
        check = await mqtt_check(clinic)
        assert check["detail"]["writer_stuck"] is True
        assert check["detail"]["writer_failing"] is False
    await eventually(clinic, STORED, uuid.UUID(device))
    check = await mqtt_check(clinic)
    assert (check["ok"], check["detail"]["writer_stuck"]) == (True, False)
