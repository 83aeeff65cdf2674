"""Raw SQL migrations: a statement may run longer than everyday statements may."""

import msgspec

from hduce.core.config import Settings
from hduce.core.db import open_database
from hduce.core.migrations import raw_sql_migration
from hduce.piccolo_conf import DB


async def test_a_migration_statement_outlasts_the_pools_statement_deadline(
    settings: Settings,
) -> None:
    # Seen: migrating a clinic's 391,438 chunk vectors, the index build was cancelled after the
    # 60 s every statement outside the web process gets, and the upgrade failed.
    short = msgspec.structs.replace(settings.database, statement_timeout=1)
    migration = raw_sql_migration(
        migration_id="2026-12-03T00:00:00:000000",
        app_name="test",
        description="a slow statement",
        forwards_sql=["SELECT pg_sleep(1.5)", "CREATE TABLE migrated_slowly (n int)"],
        backwards_sql=[],
    )
    DB.configure(settings.database.url)
    async with open_database(DB, short, deadlines=True) as pool:
        try:
            await migration.run()
            assert await pool.fetchval("SELECT to_regclass('migrated_slowly')") is not None
        finally:
            await pool.execute("DROP TABLE IF EXISTS migrated_slowly")
