"""Migrations as an operator sees them: one line per applied migration, silence when none ran."""

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from hduce.runtime import free_port
from tests.e2e.test_cli_commands import run
from tests.support.postgres_without_vector import postgres_without_vector
from tests.support.processes import hduce_env, hduce_process

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
MIGRATION_COUNT = sum(1 for path in MIGRATIONS.glob("*/*.py") if path.name != "__init__.py")


@pytest.fixture
async def empty_database(migrated: str) -> AsyncIterator[str]:
    """A brand-new database on the session's server; dropped afterwards."""
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(migrated)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield urlsplit(migrated)._replace(path=f"/{name}").geturl()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def test_migrate_prints_each_applied_migration_then_nothing_to_do(
    tmp_path: Path, empty_database: str
) -> None:
    env = {"DATABASE_URL": empty_database, "HDUCE_NATS__URL": "nats://unused:1"}
    code, output = run(["migrate"], tmp_path, **env)
    assert code == 0, output
    lines = output.strip().splitlines()
    assert len(lines) == MIGRATION_COUNT + 1, output
    assert all(line.startswith("applied ") for line in lines[:-1]), output
    assert lines[-1] == f"{MIGRATION_COUNT} migrations applied"
    assert lines[0] == "applied core/2026-11-22T03:55:17:233371"
    assert "👍" not in output and "already complete" not in output

    code, output = run(["migrate"], tmp_path, **env)
    assert code == 0, output
    assert output.strip() == "no migration to apply: the database is up to date"


def test_two_migrates_at_once_on_a_fresh_database_apply_each_migration_once(
    tmp_path: Path, empty_database: str
) -> None:
    # Seen: two `hduce serve` of a scaled-out clinic started together on a fresh database; one
    # died with DuplicateTableError (relation "outbox_pending_due" already exists).
    env = hduce_env(DATABASE_URL=empty_database, HDUCE_NATS__URL="nats://unused:1")
    logs = [tmp_path / f"migrate-{n}.log" for n in range(2)]
    with (
        hduce_process(["migrate"], env, logs[0]) as first,
        hduce_process(["migrate"], env, logs[1]) as second,
    ):
        codes = [first.wait(timeout=120), second.wait(timeout=120)]
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], outputs
    applied = [line for out in outputs for line in out.splitlines() if line.startswith("applied ")]
    assert len(applied) == len(set(applied)) == MIGRATION_COUNT, outputs


@pytest.fixture(scope="module")
def without_pgvector() -> Iterator[str]:
    """A database on a PostgreSQL without pgvector (the official `postgres:16` image)."""
    with postgres_without_vector() as dsn:
        yield dsn


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--port", "0"]])
def test_a_database_without_pgvector_is_one_line_at_start(
    tmp_path: Path, without_pgvector: str, command: list[str]
) -> None:
    # Seen: `hduce migrate` on compose's postgres:16 died with a FeatureNotSupportedError traceback.
    if command[0] == "serve":
        command = ["serve", "--port", str(free_port())]
    env = {"DATABASE_URL": without_pgvector, "HDUCE_NATS__URL": "nats://unused:1"}
    code, output = run(command, tmp_path, **env)
    assert code == 1, output
    assert "Traceback" not in output, output
    assert (
        output.strip()
        .splitlines()[-1]
        .startswith("hduce: the database has no pgvector extension (vector); install it")
    ), output


async def test_a_user_who_may_not_create_pgvector_is_told_who_must(
    tmp_path: Path, migrated: str
) -> None:
    # pgvector is no trusted extension: on a managed server HDuce's user is seldom a superuser.
    name = f"plain_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(migrated)
    try:
        await admin.execute(f'CREATE ROLE "{name}" LOGIN')
        await admin.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
        plain = urlsplit(migrated)._replace(netloc=f"{name}@", path=f"/{name}").geturl()
        code, output = run(["migrate"], tmp_path, DATABASE_URL=plain, HDUCE_NATS__URL="nats://x:1")
        assert code == 1 and "Traceback" not in output, output
        assert output.strip().splitlines()[-1] == (
            "hduce: the database has no pgvector extension (vector) and its user may not create "
            "it: run `CREATE EXTENSION vector` in it as a superuser and start again"
        ), output
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()


def test_other_commands_print_no_migration_banner(tmp_path: Path, migrated: str) -> None:
    code, output = run(
        ["user", "list", "--search", "no-such-account-anywhere"],
        tmp_path,
        DATABASE_URL=migrated,
        HDUCE_NATS__URL="nats://unused:1",
        LOG_LEVEL="INFO",
    )
    assert code == 0, output
    assert "migration" not in output, output


def test_serve_logs_each_applied_migration_as_one_json_line(
    tmp_path: Path, empty_database: str
) -> None:
    # NATS is unreachable: `serve` migrates, then stops at its NATS check.
    code, output = run(
        ["serve", "--port", str(free_port())],
        tmp_path,
        DATABASE_URL=empty_database,
        HDUCE_NATS__URL=f"nats://127.0.0.1:{free_port()}",
        HDUCE_NATS__CONNECT_TIMEOUT="1s",
        LOG_LEVEL="INFO",
        HDUCE_LOGGING__FORMAT="json",
    )
    assert code == 1 and "cannot connect to NATS" in output, output
    logged = [json.loads(line)["message"] for line in output.splitlines() if line.startswith("{")]
    applied = [message for message in logged if message.startswith("applied ")]
    assert len(applied) == MIGRATION_COUNT, logged
    assert f"{MIGRATION_COUNT} migrations applied" in logged
    assert not any("already complete" in message for message in logged)
