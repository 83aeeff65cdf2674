"""A reading belongs to the patient the device was assigned to when it arrived, however late
the batch writer stores it: re-assigning or deactivating the device in between changes nothing."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from tests.plugins.devices.helpers import API, eventually, mqtt, register, telemetry
from tests.plugins.users.clinic import Clinic, Member

STORED = "SELECT patient FROM reading WHERE device = $1 AND value = $2"


@asynccontextmanager
async def writer_held(raw_pool: asyncpg.Pool) -> AsyncIterator[None]:
    """The batch writer waits while the block runs: `reading` is locked against inserts."""
    async with raw_pool.acquire() as connection, connection.transaction():
        await connection.execute("LOCK TABLE reading IN SHARE MODE")
        yield


async def acknowledged_then(
    clinic: Clinic,
    raw_pool: asyncpg.Pool,
    admin: Member,
    device: tuple[str, str],
    value: float,
    change: tuple[str, str, dict[str, str] | None],
) -> Any:
    """Have `device` (id, secret) publish one SpO2 reading (QoS 1: returns once acknowledged),
    make `change` (method, path, body) through the API before the writer stores it, then wait
    until it is stored; its row."""
    (device_id, secret), (method, path, body) = device, change
    async with writer_held(raw_pool):
        async with mqtt(clinic, device_id, secret) as client:
            payload = telemetry(("spo2", value, "%"))
            await client.publish(f"devices/{device_id}/telemetry", payload, qos=1)
        url = f"{API}/{device_id}{path}"
        response = await clinic.client.request(method, url, json=body, headers=admin.headers)
        assert response.status_code == 200, response.text
        pending = await raw_pool.fetch(STORED, uuid.UUID(device_id), value)
        assert pending == [], "the writer was held back"
    return await eventually(clinic, STORED, uuid.UUID(device_id), value)


async def reassigned_after(
    clinic: Clinic, raw_pool: asyncpg.Pool, admin: Member, first: Member, value: float
) -> tuple[str, str, Member, Any]:
    """A device of `first` sends `value`, and is re-assigned to a new patient before the writer
    stores it: the device's id and secret, the new patient, the stored row."""
    second = await clinic.member("patient")
    device = await register(clinic, admin, first)
    change = ("PUT", "/patient", {"patient_id": str(second.id)})
    stored = await acknowledged_then(clinic, raw_pool, admin, device, value, change)
    return *device, second, stored


async def test_a_reading_acknowledged_before_a_reassignment_stays_with_the_first_patient(
    clinic: Clinic, admin: Member, patient: Member, raw_pool: asyncpg.Pool
) -> None:
    device, secret, second, stored = await reassigned_after(clinic, raw_pool, admin, patient, 97)
    assert stored["patient"] == patient.id
    async with mqtt(clinic, device, secret) as client:  # what arrives now is the second's
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", 96, "%")), qos=1)
    stored = await eventually(clinic, STORED, uuid.UUID(device), 96.0)
    assert stored["patient"] == second.id


async def test_an_alert_for_a_reading_acknowledged_before_a_reassignment_is_the_first_patients(
    clinic: Clinic, admin: Member, patient: Member, raw_pool: asyncpg.Pool
) -> None:
    device, *_ = await reassigned_after(clinic, raw_pool, admin, patient, 80)
    alerts = await clinic.fetch(
        "SELECT patient FROM device_alert WHERE device = $1", uuid.UUID(device)
    )
    assert [row["patient"] for row in alerts] == [patient.id]


async def test_a_reading_acknowledged_before_the_device_is_deactivated_is_stored(
    clinic: Clinic, admin: Member, patient: Member, raw_pool: asyncpg.Pool
) -> None:
    device = await register(clinic, admin, patient)
    change = ("POST", "/deactivate", None)
    stored = await acknowledged_then(clinic, raw_pool, admin, device, 95, change)
    assert stored["patient"] == patient.id
