"""A database of its own for the CLI tests that back up, restore or import into one."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.e2e.test_cli_commands import run


@asynccontextmanager
async def own_database(server_url: str) -> AsyncIterator[str]:
    """A new empty database on the server of `server_url`, dropped afterwards; its URL."""
    name = f"clinic_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def empty_database(migrated: str) -> AsyncIterator[str]:
    """A database of its own on the session's server, with nothing in it (dropped afterwards)."""
    async with own_database(migrated) as url:
        yield url


@pytest.fixture
async def another_empty_database(migrated: str) -> AsyncIterator[str]:
    """A second empty database of its own on the session's server (a restore's target)."""
    async with own_database(migrated) as url:
        yield url


@pytest.fixture
def clinic_database(empty_database: str, tmp_path: Path) -> str:
    """A database of its own on the session's server, migrated by `hduce migrate`."""
    code, output = run(
        ["migrate"], tmp_path, DATABASE_URL=empty_database, HDUCE_NATS__URL="nats://x:1"
    )
    assert code == 0, output
    return empty_database
