"""The MQTT listeners' settings, each test with a clinic of its own.

Apart from `test_mqtt_listeners.py`, whose module-wide clinic would still be running: two apps
at once in one process share the database engine's pool across two event loops.
"""

from pathlib import Path

import pytest

from hduce.core.config import ConfigError, Settings, decode_section
from hduce.plugins.devices import DevicesPlugin
from hduce.plugins.devices.config import DevicesConfig
from tests.plugins.devices.helpers import devices_settings
from tests.plugins.users.clinic import running_clinic


async def test_the_optional_listeners_are_off_by_default(settings: Settings) -> None:
    async with running_clinic(devices_settings(settings)) as plain:
        broker = plain.client.app.plugins.get(DevicesPlugin).broker
        assert broker is not None
        assert set(broker.ports) == {"default"}


def test_a_tls_port_without_certificate_and_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="tls_cert"):
        decode_section({"tls_port": 8883}, DevicesConfig, origin="test")


async def test_a_missing_certificate_fails_the_start_with_a_clear_message(
    settings: Settings, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing.pem")
    configured = devices_settings(settings, tls_port=0, tls_cert=missing, tls_key=missing)
    with pytest.raises(Exception) as caught:
        async with running_clinic(configured):
            pass
    assert "missing.pem" in repr(caught.value) and "tls_cert" in repr(caught.value)
