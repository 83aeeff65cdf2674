"""Fixtures of the FHIR tests: identity, appointments and `fhir` on a real database."""

from collections.abc import AsyncIterator

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import appointment_settings
from tests.plugins.users.clinic import Clinic, running_clinic


def fhir_settings(settings: Settings) -> Settings:
    """The identity, notifications and appointments test settings plus `fhir`."""
    base = appointment_settings(settings, notifications={})
    plugins = msgspec.structs.replace(base.plugins, enabled=(*base.plugins.enabled, "fhir"))
    return msgspec.structs.replace(base, plugins=plugins)


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with the FHIR facade over the identity and appointments plugins."""
    async with running_clinic(fhir_settings(settings)) as running:
        yield running
