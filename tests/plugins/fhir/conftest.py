"""Fixtures of the FHIR tests: the app with `fhir` and the plugins it reads, on a real database."""

from collections.abc import AsyncIterator

import msgspec
import pytest

from hduce.core.config import Settings
from tests.plugins.appointments.helpers import appointment_settings
from tests.plugins.users.clinic import Clinic, running_clinic
from tests.support.scratch import scratch_dir


def fhir_settings(settings: Settings) -> Settings:
    """Appointments test settings plus devices (broker on a free port), documents and `fhir`."""
    base = appointment_settings(settings, notifications={})
    spool = scratch_dir("hduce-spool-")
    documents = {"storage_dir": scratch_dir("hduce-docs-")}
    sections = {
        **base.plugins.sections,
        "devices": {"port": 0, "spool_dir": spool},
        "documents": {**documents, "extraction_workers": 1},
    }
    enabled = (*base.plugins.enabled, "devices", "documents", "fhir")
    plugins = msgspec.structs.replace(base.plugins, enabled=enabled, sections=sections)
    return msgspec.structs.replace(base, plugins=plugins)


@pytest.fixture(scope="module")
async def clinic(settings: Settings) -> AsyncIterator[Clinic]:
    """The app with the FHIR facade over the identity, appointments and devices plugins."""
    async with running_clinic(fhir_settings(settings)) as running:
        yield running
