"""One running clinic with the web plugin per test module."""

from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.plugins.web.helpers import web_settings


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with identity, notifications, appointments and the web pages."""
    async with running_clinic(web_settings(settings)) as running:
        yield running
