"""Fixtures of the appointments tests: one running clinic per test module."""

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import appointment_settings
from tests.plugins.appointments.recorder import RECORDER_SPEC, RECORDER_TABLE
from tests.plugins.users.clinic import Clinic, running_clinic


@pytest.fixture(scope="module")
def appointments_config() -> dict[str, Any]:
    """`[plugins.appointments]` of the module's clinic (a module overrides it to change rules)."""
    return {}


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, migrated: str, appointments_config: dict[str, Any]
) -> AsyncIterator[Clinic]:
    """The app with identity, appointments and a recording notifier; no global rate limit."""
    connection = await asyncpg.connect(migrated)
    try:
        await connection.execute(RECORDER_TABLE)
    finally:
        await connection.close()
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=100_000)
    configured = appointment_settings(
        msgspec.structs.replace(settings, server=server), **appointments_config
    )
    plugins = msgspec.structs.replace(configured.plugins, extra=(RECORDER_SPEC,))
    async with running_clinic(msgspec.structs.replace(configured, plugins=plugins)) as running:
        yield running
