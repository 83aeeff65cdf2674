"""Appending to the hash chain: links, transactions, concurrency and canonical hashing."""

import asyncio
import contextvars
import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec
import pytest

from hduce.piccolo_conf import DB
from hduce.plugins.audit.services import GENESIS_HASH, AuditService, event_hash, verify_chain
from hduce.plugins.audit.store import AuditStore


async def events_of(pool: asyncpg.Pool, actor_id: uuid.UUID) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT *, detail::text AS detail_text FROM audit_event WHERE actor_id = $1 ORDER BY id",
        actor_id,
    )


def test_hash_covers_every_field() -> None:
    fields = {
        "prev_hash": GENESIS_HASH,
        "event_id": 1,
        "occurred_at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "action": "auth.login",
        "actor_id": uuid.UUID(int=1),
        "subject_id": uuid.UUID(int=2),
        "ip": "10.0.0.1",
        "detail": '{"a": 1}',
    }
    base = event_hash(**fields)
    assert base == event_hash(**fields) and len(base) == 64
    changed = {
        "prev_hash": "f" * 64,
        "event_id": 2,
        "occurred_at": datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC),
        "action": "auth.logout",
        "actor_id": None,
        "subject_id": uuid.UUID(int=3),
        "ip": None,
        "detail": '{"a": 2}',
    }
    for name, value in changed.items():
        assert event_hash(**{**fields, name: value}) != base, name


async def test_appended_events_link_to_their_predecessor(
    audit: AuditService, raw_pool: asyncpg.Pool
) -> None:
    actor, subject = uuid.uuid4(), uuid.uuid4()
    for n in range(3):
        await audit.record(
            "test.linked", actor_id=actor, subject_id=subject, ip="192.0.2.7", detail={"n": n}
        )
    rows = await events_of(raw_pool, actor)
    assert [msgspec.json.decode(r["detail_text"]) for r in rows] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert rows[1]["prev_hash"] == rows[0]["hash"] and rows[2]["prev_hash"] == rows[1]["hash"]
    assert {r["subject_id"] for r in rows} == {subject} and rows[0]["ip"] == "192.0.2.7"
    first = await raw_pool.fetchrow("SELECT prev_hash FROM audit_event ORDER BY id LIMIT 1")
    assert first["prev_hash"] == GENESIS_HASH
    report = await verify_chain(AuditStore(raw_pool), batch_size=7)
    assert report.ok, report
    assert report.checked >= 3 and report.last_hash != GENESIS_HASH


async def test_detail_hashes_the_same_after_the_jsonb_round_trip(
    audit: AuditService, raw_pool: asyncpg.Pool
) -> None:
    actor = uuid.uuid4()
    detail = {"z": None, "a": [1.5, 1e20, 10**30, "é ✓"], "nested": {"b": True, "a": "x"}}
    await audit.record("test.canonical", actor_id=actor, detail=detail)
    await audit.record("test.canonical", actor_id=actor)
    rows = await events_of(raw_pool, actor)
    assert msgspec.json.decode(rows[0]["detail_text"])["nested"] == {"a": "x", "b": True}
    assert msgspec.json.decode(rows[1]["detail_text"]) == {}
    assert (await verify_chain(AuditStore(raw_pool))).ok


async def test_record_joins_the_callers_transaction(
    audit: AuditService, raw_pool: asyncpg.Pool
) -> None:
    actor = uuid.uuid4()
    with pytest.raises(RuntimeError, match="abort"):
        async with DB.transaction():
            await audit.record("test.rolled_back", actor_id=actor)
            assert await events_of(raw_pool, actor) == [], "not visible before commit"
            raise RuntimeError("abort")
    assert await events_of(raw_pool, actor) == []

    async with DB.transaction():
        await audit.record("test.committed", actor_id=actor)
        # The chain lock is held until this transaction ends: another append has to wait.
        # (An empty context: a copied one would carry, and join, this very transaction.)
        waiting = asyncio.create_task(
            audit.record("test.after", actor_id=actor), context=contextvars.Context()
        )
        await asyncio.sleep(0.3)
        assert not waiting.done()
    await asyncio.wait_for(waiting, 10)
    rows = await events_of(raw_pool, actor)
    assert [r["action"] for r in rows] == ["test.committed", "test.after"]
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert (await verify_chain(AuditStore(raw_pool))).ok


async def test_concurrent_appends_keep_one_linear_chain(
    audit: AuditService, raw_pool: asyncpg.Pool
) -> None:
    actor = uuid.uuid4()
    await asyncio.gather(
        *(audit.record("test.concurrent", actor_id=actor, detail={"n": n}) for n in range(50))
    )
    rows = await events_of(raw_pool, actor)
    assert len(rows) == 50
    assert len({r["prev_hash"] for r in rows}) == 50
    report = await verify_chain(AuditStore(raw_pool))
    assert report.ok, report
    forks = await raw_pool.fetchval(
        "SELECT count(*) FROM (SELECT prev_hash FROM audit_event GROUP BY 1 HAVING count(*) > 1) f"
    )
    assert forks == 0


async def test_invalid_actions_are_refused(audit: AuditService) -> None:
    for action in ("", "x" * 101):
        with pytest.raises(ValueError, match="audit action"):
            await audit.record(action, actor_id=None)
