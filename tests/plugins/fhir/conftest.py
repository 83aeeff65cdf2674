"""Fixtures of the FHIR tests: the identity plugins plus `fhir` on a real database."""

from collections.abc import AsyncIterator

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, identity_settings, running_clinic


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with the identity plugins and the FHIR facade."""
    base = identity_settings(settings)
    plugins = msgspec.structs.replace(base.plugins, enabled=(*IDENTITY_PLUGINS, "fhir"))
    async with running_clinic(msgspec.structs.replace(base, plugins=plugins)) as running:
        yield running
