"""Fixtures of the documents tests: one running clinic (and extraction pool) per module."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hduce.core.config import Settings
from tests.plugins.documents.helpers import documents_settings
from tests.plugins.users.clinic import Clinic, Member, running_clinic


@pytest.fixture(scope="module")
def documents_config() -> dict[str, Any]:
    """`[plugins.documents]` of the module's clinic, besides the storage folder."""
    return {}


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's document store."""
    return tmp_path_factory.mktemp("documents")


@pytest.fixture(scope="module")
async def clinic(
    settings: Settings, storage: Path, documents_config: dict[str, Any]
) -> AsyncIterator[Clinic]:
    """The app with the identity plugins and documents."""
    async with running_clinic(documents_settings(settings, storage, **documents_config)) as app:
        yield app


@pytest.fixture
async def patient(clinic: Clinic) -> Member:
    """A fresh patient."""
    return await clinic.member("patient", first_name="Renée", last_name="Müller")


@pytest.fixture
async def doctor(clinic: Clinic) -> Member:
    """A fresh doctor."""
    return await clinic.member("doctor")
