"""Appends lock the chain head row, not one advisory lock shared by the whole database."""

import asyncio
import uuid
from contextlib import AbstractContextManager, nullcontext

import asyncpg
import pytest

from hduce.piccolo_conf import DB
from hduce.plugins.audit.services import AuditService, verify_chain
from hduce.plugins.audit.store import AuditStore

# The key every append used to lock (b"hduce_au"): the lock that serialised every audited write.
OLD_CHAIN_LOCK_KEY = 0x68647563655F6175


async def test_an_append_waits_for_no_advisory_lock(
    audit: AuditService, raw_pool: asyncpg.Pool
) -> None:
    async with raw_pool.acquire() as connection, connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", OLD_CHAIN_LOCK_KEY)
        await asyncio.wait_for(audit.record("test.unlocked", actor_id=uuid.uuid4()), 10)


async def append_or_roll_back(audit: AuditService, actor: uuid.UUID, n: int) -> None:
    """Append in a transaction that does more work; every third one rolls back."""
    expected: AbstractContextManager[object] = (
        pytest.raises(RuntimeError) if n % 3 == 0 else nullcontext()
    )
    with expected:
        async with DB.transaction():
            await audit.record("test.mixed", actor_id=actor, detail={"n": n})
            await DB.fetchrow("SELECT pg_sleep(0.001)")
            if n % 3 == 0:
                raise RuntimeError("roll back")


async def test_concurrent_appends_with_rollbacks_keep_the_chain_and_its_head(
    audit: AuditService, raw_pool: asyncpg.Pool
) -> None:
    actor = uuid.uuid4()
    await asyncio.gather(*(append_or_roll_back(audit, actor, n) for n in range(60)))
    rows = await raw_pool.fetch(
        "SELECT detail->>'n' AS n FROM audit_event WHERE actor_id = $1", actor
    )
    assert sorted(int(r["n"]) for r in rows) == [n for n in range(60) if n % 3]
    report = await verify_chain(AuditStore(raw_pool))
    assert report.ok, report
    head = await raw_pool.fetchrow("SELECT last_id, last_hash FROM audit_chain_head")
    assert (head["last_id"], head["last_hash"]) == (report.last_id, report.last_hash)
