"""Presence when `hduce serve` stops: its connected devices go offline (own clinic per test)."""

import asyncio
import logging
import uuid
from contextlib import AsyncExitStack

import asyncpg
import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import broker_port, devices_settings, eventually, register
from tests.plugins.devices.raw_mqtt import RawMqtt
from tests.plugins.devices.raw_packets import raw_connection
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


async def test_a_stopping_broker_ends_the_sockets_still_signing_in(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # They were left to the event loop's end, which cancelled each handler: Python 3.11's stream
    # callback then logged an ERROR with a traceback per socket, at every stop.
    caplog.set_level(logging.ERROR, logger="asyncio")
    async with AsyncExitStack() as sockets:
        async with running_clinic(devices_settings(settings, connect_timeout=60)) as clinic:
            port = broker_port(clinic)
            silent = [await sockets.enter_async_context(raw_connection(port)) for _ in range(3)]
            await silent[0].send(b"\x10")  # the first byte of a CONNECT, then nothing
            await asyncio.sleep(0.2)
        for client in silent:
            assert await client.closed_by_server(timeout=2)
    logged = [record.getMessage() for record in caplog.records if record.name == "asyncio"]
    # This test's sockets are raw: an aiomqtt error is a client of an earlier test, collected now.
    assert [message for message in logged if "MqttCodeError" not in message] == []
