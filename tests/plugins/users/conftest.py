"""Fixtures of the users plugin tests: one running identity app per test module."""

from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from tests.plugins.users.clinic import Clinic, identity_settings, running_clinic


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with metrics, audit, auth and users enabled; page size capped at 5."""
    async with running_clinic(identity_settings(settings, users={"max_page_size": 5})) as running:
        yield running
