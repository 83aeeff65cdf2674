"""Fixtures of the devices tests: one running clinic (with its MQTT broker) per module."""

from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.devices.helpers import devices_settings
from tests.plugins.users.clinic import Clinic, Member, running_clinic


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with identity, notifications and devices; its broker on a free port."""
    async with running_clinic(devices_settings(settings)) as running:
        yield running


@pytest.fixture(scope="module")
async def admin(clinic: Clinic) -> Member:
    """An admin who registers devices."""
    return await clinic.member("admin")


@pytest.fixture
async def patient(clinic: Clinic) -> Member:
    """A fresh patient."""
    return await clinic.member("patient", first_name="Pat", last_name="Ient")
