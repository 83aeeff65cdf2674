"""Fixtures of the appointments tests: one running clinic per test module."""

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import appointment_settings
from tests.plugins.users.clinic import Clinic, running_clinic


@pytest.fixture(scope="module")
def appointments_config() -> dict[str, Any]:
    """`[plugins.appointments]` of the module's clinic (a module overrides it to change rules)."""
    return {}


@pytest.fixture(scope="module")
def notifications_config() -> dict[str, Any]:
    """`[plugins.notifications]`: no e-mail server, so e-mails are rendered, then skipped."""
    return {}


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, appointments_config: dict[str, Any], notifications_config: dict[str, Any]
) -> AsyncIterator[Clinic]:
    """The app with identity, notifications and appointments; no global rate limit."""
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=100_000)
    configured = appointment_settings(
        msgspec.structs.replace(settings, server=server),
        notifications=notifications_config,
        **appointments_config,
    )
    async with running_clinic(configured) as running:
        yield running
