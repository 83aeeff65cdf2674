"""Fixtures of the search tests: one running clinic per test module."""

from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.search.helpers import search_settings
from tests.plugins.users.clinic import Clinic, running_clinic


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with identity, notifications, appointments and search (PostgreSQL backend)."""
    async with running_clinic(search_settings(settings)) as running:
        yield running
