"""Fixtures of the webhooks tests: the app with the webhooks plugin and a real HTTP receiver."""

from collections.abc import AsyncIterator

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, identity_settings, running_clinic
from tests.support.sms_provider import provider

__all__ = ["provider"]

DISABLE_AFTER = 3


def webhooks_settings(settings: Settings) -> Settings:
    """The identity plugins plus webhooks, with fast retries and a short failure streak."""
    base = identity_settings(settings)
    section = {
        "retry_base": "100ms",
        "retry_max": "500ms",
        "max_attempts": 10,
        "disable_after_failures": DISABLE_AFTER,
        "timeout": "5s",
    }
    plugins = msgspec.structs.replace(
        base.plugins,
        enabled=(*IDENTITY_PLUGINS, "webhooks"),
        sections={**base.plugins.sections, "webhooks": section},
    )
    return msgspec.structs.replace(base, plugins=plugins)


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with webhooks (and its task receiver and outbox relay) running."""
    async with running_clinic(webhooks_settings(settings)) as running:
        yield running


@pytest.fixture(autouse=True)
async def no_webhooks(clinic: Clinic) -> AsyncIterator[None]:
    """Each test starts and ends without webhooks, so no test receives another's events."""
    await clinic.execute("DELETE FROM webhook")
    yield
    await clinic.execute("DELETE FROM webhook")
