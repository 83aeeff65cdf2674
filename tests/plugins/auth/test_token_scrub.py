"""Upgrading forgets the one-time tokens older releases left in the outbox and dead letters."""

import importlib.util
import json
import uuid
from pathlib import Path

import asyncpg

MIGRATION = (
    Path(__file__).resolve().parents[3] / "migrations/auth/auth_2026_12_02t10_40_00_000000.py"
)


def forwards_sql() -> list[str]:
    spec = importlib.util.spec_from_file_location("token_scrub", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FORWARDS_SQL


async def test_the_migration_scrubs_old_tokens(migrated: str) -> None:
    token, event_id, letter_id = "old-token-" + uuid.uuid4().hex, uuid.uuid4(), uuid.uuid4()
    payload = {"user_id": str(uuid.uuid4()), "email": "a@example.org", "token": token}
    connection = await asyncpg.connect(migrated)
    try:
        async with connection.transaction():
            await connection.execute(
                "INSERT INTO outbox (id, name, payload, created_at, available_at, attempts) "
                "VALUES ($1, 'user.password_reset_requested', $2::jsonb, now(), now(), 0)",
                event_id,
                json.dumps({**payload, "expires_at": "2026-12-02T11:00:00Z"}),
            )
            await connection.execute(
                "INSERT INTO dead_letter (id, task_name, task_id, message, attempts, error, "
                "created_at) VALUES ($1, 'notifications.password_reset', 't', $2::jsonb, 5, "
                "'x', now())",
                letter_id,
                json.dumps({"args": [payload]}),
            )
            for statement in forwards_sql():
                await connection.execute(statement)
            kept = json.loads(
                await connection.fetchval("SELECT payload FROM outbox WHERE id = $1", event_id)
            )
            letters = await connection.fetchval(
                "SELECT count(*) FROM dead_letter WHERE id = $1", letter_id
            )
            raise Rollback(kept, letters)
    except Rollback as done:
        kept, letters = done.args
    finally:
        await connection.close()
    assert set(kept) == {"user_id", "expires_at"}
    assert letters == 0


class Rollback(Exception):
    """Leaves the shared database as it was, carrying what the test saw."""
