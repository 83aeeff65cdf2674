"""Two `hduce serve` behind a load balancer: a change made through one closes a device's
connection to the other's broker.

The other server is a real `hduce serve` process: two apps in one process would share the
process's one database engine across two event loops (and threads), which production never does.
"""

import asyncio
import json
from pathlib import Path

import aiomqtt
import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import (
    API,
    DEVICE_PLUGINS,
    devices_settings,
    mqtt,
    next_message,
    register,
)
from tests.plugins.users.clinic import running_clinic
from tests.support.processes import post
from tests.support.serving import serving


async def test_a_device_deactivated_through_another_server_is_disconnected(
    settings: Settings, tmp_path: Path
) -> None:
    async with running_clinic(devices_settings(settings)) as connected_to:
        admin = await connected_to.member("admin")
        device, secret = await register(connected_to, admin)
        another_server = serving(
            tmp_path / "other",
            settings,
            HDUCE_PLUGINS__ENABLED=json.dumps(DEVICE_PLUGINS),
            HDUCE_PLUGINS__DEVICES__PORT="0",
        )
        with another_server as other:
            async with mqtt(connected_to, device, secret) as client:
                url = f"{other.base}{API}/{device}/deactivate"
                status, body = await asyncio.to_thread(post, url, {}, admin.headers)
                assert status == 200, body
                with pytest.raises(aiomqtt.MqttError):  # closed by the broker it is connected to
                    await next_message(client)
