"""An `AuditService` on the session database, with the shared engine's pool open."""

from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from hduce.core.db import Database, open_database
from hduce.piccolo_conf import DB
from hduce.plugins.audit.services import AuditService


@pytest.fixture
async def audit(settings: Settings) -> AsyncIterator[AuditService]:
    """The service over the shared engine, as the plugin builds it."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        yield AuditService(Database(DB))
