"""Fixtures of the appointments tests: one running clinic per test module."""

from collections.abc import AsyncIterator

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import appointment_settings
from tests.plugins.users.clinic import Clinic, running_clinic


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with the identity plugins and appointments, the global rate limit out of the way."""
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=100_000)
    unlimited = msgspec.structs.replace(settings, server=server)
    async with running_clinic(appointment_settings(unlimited)) as running:
        yield running
