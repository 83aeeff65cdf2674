"""Two `hduce serve` behind a load balancer: a change made through one closes a device's
connection to the other's broker (its own module: the second app closes the shared pool)."""

import aiomqtt
import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import API, devices_settings, mqtt, next_message, register
from tests.plugins.users.clinic import running_clinic


async def test_a_device_deactivated_through_another_server_is_disconnected(
    settings: Settings,
) -> None:
    async with running_clinic(devices_settings(settings)) as connected_to:
        admin = await connected_to.member("admin")
        device, secret = await register(connected_to, admin)
        another_server = running_clinic(devices_settings(settings))
        async with mqtt(connected_to, device, secret) as client, another_server as other:
            url = f"{API}/{device}/deactivate"
            response = await other.client.post(url, headers=admin.headers)
            assert response.status_code == 200, response.text
            with pytest.raises(aiomqtt.MqttError):  # closed by the broker it is connected to
                await next_message(client)
