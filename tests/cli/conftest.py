"""A database of its own for the CLI tests that back up, restore or import into one."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.e2e.test_cli_commands import run


@pytest.fixture
async def clinic_database(migrated: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own on the session's server, migrated by `hduce migrate`."""
    name = f"clinic_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(migrated)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = urlsplit(migrated)._replace(path=f"/{name}").geturl()
        code, output = run(["migrate"], tmp_path, DATABASE_URL=url, HDUCE_NATS__URL="nats://x:1")
        assert code == 0, output
        yield url
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
