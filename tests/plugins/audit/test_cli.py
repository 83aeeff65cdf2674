"""`hduce audit verify` as an operator runs it: exit 0 when intact, 1 at a broken link."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from hduce.plugins.audit.services import GENESIS_HASH, AuditService
from tests.support.processes import hduce_env, hduce_process

# Just the columns verification reads: this database only needs to look like a tampered log.
SCRATCH_TABLE = """
CREATE TABLE audit_event (
    id bigserial PRIMARY KEY, occurred_at timestamptz NOT NULL DEFAULT now(),
    action varchar(100) NOT NULL, actor_id uuid, subject_id uuid, ip varchar(64),
    detail jsonb NOT NULL DEFAULT '{}', prev_hash varchar(64) NOT NULL, hash varchar(64) NOT NULL
);
CREATE TABLE audit_chain_head (id smallint PRIMARY KEY, last_id bigint, last_hash varchar(64));
INSERT INTO audit_chain_head VALUES (1, NULL, repeat('0', 64))
"""


def verify(database_url: str, tmp_path: Path) -> tuple[int, str]:
    log = tmp_path / "audit-verify.log"
    env = hduce_env(
        DATABASE_URL=database_url,
        HDUCE_NATS__URL="nats://unused:1",
        HDUCE_DATA_DIR=str(tmp_path / "data"),
    )
    with hduce_process(["audit", "verify"], env, log) as process:
        code = process.wait(timeout=60)
    return code, log.read_text()


@pytest.fixture
async def scratch_database(migrated: str, raw_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """An empty database on the session's server; dropped afterwards."""
    name = f"audit_cli_{uuid.uuid4().hex[:8]}"
    await raw_pool.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(migrated)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        await raw_pool.execute(f"DROP DATABASE {name} WITH (FORCE)")


async def test_an_intact_chain_exits_0(audit: AuditService, migrated: str, tmp_path: Path) -> None:
    await audit.record("test.cli", actor_id=uuid.uuid4())
    code, output = verify(migrated, tmp_path)
    assert code == 0, output
    assert "audit chain intact" in output
    assert not (tmp_path / "data").exists(), "an external database must not start embedded servers"


async def test_a_broken_chain_exits_1_naming_the_event(
    scratch_database: str, tmp_path: Path
) -> None:
    connection = await asyncpg.connect(scratch_database)
    try:
        await connection.execute(SCRATCH_TABLE)
        broken_id = await connection.fetchval(
            "INSERT INTO audit_event (action, prev_hash, hash) VALUES ('x', $1, $2) RETURNING id",
            GENESIS_HASH,
            "0" * 63 + "1",
        )
    finally:
        await connection.close()
    code, output = verify(scratch_database, tmp_path)
    assert code == 1, output
    assert f"broken at event {broken_id}" in output


async def test_a_database_without_the_log_exits_1_with_a_hint(
    scratch_database: str, tmp_path: Path
) -> None:
    code, output = verify(scratch_database, tmp_path)
    assert code == 1, output
    assert "hduce migrate" in output and "Traceback" not in output


async def test_a_log_missing_its_newest_events_exits_1(
    scratch_database: str, tmp_path: Path
) -> None:
    connection = await asyncpg.connect(scratch_database)
    try:
        await connection.execute(SCRATCH_TABLE)
        await connection.execute("UPDATE audit_chain_head SET last_id = 7, last_hash = 'f'")
    finally:
        await connection.close()
    code, output = verify(scratch_database, tmp_path)
    assert code == 1, output
    assert "the log is empty but its head names event 7" in output
