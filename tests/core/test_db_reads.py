"""`HduceEngine.fetchrow`: raw reads on the shared pool or in the current transaction."""

from collections.abc import AsyncIterator

import pytest

from hduce.core.config import Settings
from hduce.core.db import HduceEngine, open_database
from hduce.piccolo_conf import DB

SETTING = "SELECT current_setting('hduce.probe', true) AS value"


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[HduceEngine]:
    """The engine with its pool open."""
    DB.configure(settings.database.url)
    async with open_database(DB, settings.database):
        yield DB


async def test_fetchrow_reads_inside_the_current_transaction(db: HduceEngine) -> None:
    async with db.transaction():
        await db.run_ddl("SELECT set_config('hduce.probe', 'inside', true)")
        row = await db.fetchrow(SETTING)
        assert row is not None and row["value"] == "inside"
    row = await db.fetchrow(SETTING)
    assert row is not None and not row["value"]
    assert await db.fetchrow("SELECT 1 AS one WHERE false") is None
