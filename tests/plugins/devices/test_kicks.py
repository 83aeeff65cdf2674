"""A new secret or a deactivation closes the device's live connection, whichever process made it.

The CLI and every `hduce serve` behind a load balancer each change the database; the broker the
device is connected to is in one of the `hduce serve` processes only.
"""

import asyncio
import uuid
from pathlib import Path

import aiomqtt
import asyncpg
import pytest

from hduce.plugins.devices.store import KICK_CHANNEL
from tests.plugins.devices.helpers import (
    API,
    mqtt,
    next_message,
    refused,
    register,
)
from tests.plugins.users.clinic import Clinic, Member
from tests.support.cli import run_hduce
from tests.support.listeners import cut_listeners, until_listening_again


async def test_a_secret_rotated_by_the_cli_closes_the_live_connection(
    clinic: Clinic, admin: Member, tmp_path: Path, migrated: str, nats_url: str
) -> None:
    device, old = await register(clinic, admin)
    async with mqtt(clinic, device, old) as client:
        args = ("device", "rotate-secret", device)
        rotated = await asyncio.to_thread(run_hduce, tmp_path, migrated, nats_url, *args)
        assert rotated.returncode == 0, rotated.stderr
        with pytest.raises(aiomqtt.MqttError):  # the broker closed the connection
            await next_message(client)
    await refused(clinic, device, old)


async def test_a_device_signed_in_with_its_id_spelled_otherwise_is_disconnected_too(
    clinic: Clinic, admin: Member
) -> None:
    device, secret = await register(clinic, admin)
    async with mqtt(clinic, device.upper(), secret) as client:
        url = f"{API}/{device}/rotate-secret"
        response = await clinic.client.post(url, headers=admin.headers)
        assert response.status_code == 200, response.text
        with pytest.raises(aiomqtt.MqttError):
            await next_message(client)


async def test_a_change_whose_notice_went_unheard_closes_the_connection_once_listening_again(
    clinic: Clinic, admin: Member, raw_pool: asyncpg.Pool
) -> None:
    device, secret = await register(clinic, admin)
    async with mqtt(clinic, device, secret) as client:
        # Deactivated while the broker's LISTEN connection is lost: its notice reaches nobody.
        await raw_pool.execute("UPDATE device SET active = false WHERE id = $1", uuid.UUID(device))
        cut = await cut_listeners(raw_pool, KICK_CHANNEL)
        await until_listening_again(raw_pool, KICK_CHANNEL, cut)
        with pytest.raises(aiomqtt.MqttError):  # closed by the check after reconnecting
            await next_message(client)
