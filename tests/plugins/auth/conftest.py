"""A real app with the metrics, audit, auth and users plugins (argon2 with small parameters)."""

from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.auth.helpers import AuthApp, running_app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[AuthApp]:
    """The app with generous rate limits, so only the limit tests ever hit one."""
    async with running_app(settings) as running:
        yield running
