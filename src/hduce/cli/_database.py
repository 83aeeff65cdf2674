"""Work on the database for a command: the pool open, migrations applied, NATS checked.

Imported by the commands that use it, when they run: it loads the engine, Piccolo and TaskIQ,
which `hduce --help`, `version` and `config` never need.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg

from hduce.bootstrap import load_plugins, register_migrations
from hduce.core.config import Settings
from hduce.core.config.masking import mask_url
from hduce.core.db import Database, DatabaseUnavailable, open_database
from hduce.core.migrations import apply_migrations, require_migrated
from hduce.core.nats_check import check_jetstream
from hduce.core.plugin_failures import one_line
from hduce.piccolo_conf import DB

T = TypeVar("T")

CONNECTION_LOST = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # terminated: a shutdown, pg_terminate_backend
    asyncpg.InterfaceError,  # "connection is closed"
    asyncpg.exceptions.InternalClientError,  # asyncpg's protocol cut off mid-statement
)
"""What a command's statements raise when the database goes away under them."""


@asynccontextmanager
async def _pool_open(settings: Settings, database_url: str) -> AsyncIterator[None]:
    """The pool open on `database_url` for the block.

    The database lost meanwhile (stopped, restarted, the connection terminated) is one
    `DatabaseUnavailable` line, not asyncpg's traceback.
    """
    DB.configure(database_url)
    try:
        async with open_database(DB, settings.database):
            yield
    except CONNECTION_LOST as exc:
        raise DatabaseUnavailable(
            f"lost the database at {mask_url(database_url)}: {one_line(exc)}"
        ) from None


async def on_database(
    settings: Settings, database_url: str, work: Callable[[Database], Awaitable[T]]
) -> T:
    """`work(db)` with the pool open on `database_url` (`DatabaseUnavailable` if unreachable)."""
    async with _pool_open(settings, database_url):
        return await work(Database(DB))


def run_migrations(settings: Settings, database_url: str, *, quiet: bool) -> list[str]:
    """Apply pending migrations; the ones applied."""
    return asyncio.run(_migrate(settings, database_url, quiet=quiet))


async def _migrate(settings: Settings, database_url: str, *, quiet: bool) -> list[str]:
    async with _pool_open(settings, database_url):
        return await _apply_migrations(settings, quiet=quiet)


async def with_database(
    settings: Settings, database_url: str, work: Callable[[], Awaitable[T]]
) -> T:
    """Run `work` with the pool open and migrations applied."""
    async with _pool_open(settings, database_url):
        await _apply_migrations(settings, quiet=True)
        return await work()


async def preflight(settings: Settings, database_url: str, nats_url: str, *, migrate: bool) -> None:
    """Fail fast, with one clear line, when the database or NATS cannot be used."""
    async with _pool_open(settings, database_url):
        if migrate:
            await _apply_migrations(settings, quiet=True)
        else:
            await require_migrations(settings)
    await check_jetstream(nats_url, float(settings.nats.connect_timeout))


async def _apply_migrations(settings: Settings, *, quiet: bool) -> list[str]:
    """Apply the pending migrations of core and of the enabled plugins (`plugins.extra` too)."""
    register_migrations(load_plugins(settings))
    return await apply_migrations(quiet=quiet)


async def require_migrations(settings: Settings) -> None:
    """Refuse a database lacking migrations of core or of the enabled plugins (none applied)."""
    register_migrations(load_plugins(settings))
    await require_migrated()
