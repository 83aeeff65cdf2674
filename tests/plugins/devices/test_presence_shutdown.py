"""Presence when `hduce serve` stops: its connected devices go offline (own clinic per test)."""

import uuid

import asyncpg

from hduce.core.config import Settings
from tests.plugins.devices.helpers import broker_port, devices_settings, eventually, register
from tests.plugins.devices.raw_mqtt import RawMqtt
from tests.plugins.users.clinic import running_clinic


async def test_the_devices_of_a_stopping_server_go_offline(settings: Settings) -> None:
    async with running_clinic(devices_settings(settings)) as clinic:
        device, secret = await register(clinic, await clinic.member("admin"))
        client, _ = await RawMqtt.connect(broker_port(clinic), device, device, secret)
        await eventually(clinic, "SELECT 1 FROM device WHERE id = $1 AND online", uuid.UUID(device))
    try:
        connection = await asyncpg.connect(settings.database.url)
        try:
            row = await connection.fetchrow(
                "SELECT online, offline_reason FROM device WHERE id = $1", uuid.UUID(device)
            )
        finally:
            await connection.close()
        assert row is not None
        assert (row["online"], row["offline_reason"]) == (False, "server_stopped")
    finally:
        await client.close()
