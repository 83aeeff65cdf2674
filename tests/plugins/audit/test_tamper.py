"""The database refuses changes to the log, and verification finds the ones forced past it."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from hduce.plugins.audit.services import AuditService, ChainReport, audit_health, verify_chain
from hduce.plugins.audit.services._chain import row_hash
from hduce.plugins.audit.store import AuditStore

DISABLE_TRIGGER = "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"


@pytest.fixture
async def three_events(audit: AuditService, raw_pool: asyncpg.Pool) -> list[int]:
    """Ids of three fresh, consecutive events."""
    actor = uuid.uuid4()
    for n in range(3):
        await audit.record("test.tamper", actor_id=actor, detail={"n": n})
    rows = await raw_pool.fetch("SELECT id FROM audit_event WHERE actor_id = $1 ORDER BY id", actor)
    return [row["id"] for row in rows]


@pytest.fixture
async def doomed(raw_pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction that is always rolled back (the session DB is shared)."""
    async with raw_pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        try:
            yield connection
        finally:
            await transaction.rollback()


async def tampered(connection: asyncpg.Connection, statement: str, *args: object) -> ChainReport:
    await connection.execute(DISABLE_TRIGGER)
    await connection.execute(statement, *args)
    return await verify_chain(AuditStore(connection))


async def test_update_delete_and_truncate_are_rejected(
    three_events: list[int], doomed: asyncpg.Connection
) -> None:
    statements = [
        ("UPDATE audit_event SET detail = '{}' WHERE id = $1", three_events[0]),
        ("DELETE FROM audit_event WHERE id = $1", three_events[0]),
        ("TRUNCATE audit_event",),
    ]
    for statement, *args in statements:
        savepoint = doomed.transaction()
        await savepoint.start()
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await doomed.execute(statement, *args)
        await savepoint.rollback()


async def test_an_altered_event_is_the_first_broken_link(
    three_events: list[int], doomed: asyncpg.Connection, raw_pool: asyncpg.Pool
) -> None:
    report = await tampered(
        doomed, """UPDATE audit_event SET detail = '{"n": 99}' WHERE id = $1""", three_events[1]
    )
    assert not report.ok
    assert report.first_broken_id == three_events[1]
    assert report.reason is not None and "altered" in report.reason
    assert str(three_events[1]) in report.summary()


async def test_a_removed_event_breaks_the_next_link(
    three_events: list[int], doomed: asyncpg.Connection
) -> None:
    report = await tampered(doomed, "DELETE FROM audit_event WHERE id = $1", three_events[1])
    assert not report.ok
    assert report.first_broken_id == three_events[2]
    assert report.reason is not None and "removed" in report.reason


async def test_a_forged_event_is_detected(
    three_events: list[int], doomed: asyncpg.Connection
) -> None:
    head = await doomed.fetchrow("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")
    await doomed.execute(
        "INSERT INTO audit_event (occurred_at, action, detail, prev_hash, hash) "
        "VALUES (now(), 'test.forged', '{}', $1, $2)",
        head["hash"],
        "f" * 64,
    )
    report = await verify_chain(AuditStore(doomed))
    assert not report.ok and report.first_broken_id is not None
    assert report.first_broken_id > head["id"]


async def test_the_chain_cannot_fork(three_events: list[int], doomed: asyncpg.Connection) -> None:
    taken = await doomed.fetchval(
        "SELECT prev_hash FROM audit_event WHERE id = $1", three_events[2]
    )
    with pytest.raises(asyncpg.UniqueViolationError):
        await doomed.execute(
            "INSERT INTO audit_event (occurred_at, action, detail, prev_hash, hash) "
            "VALUES (now(), 'test.fork', '{}', $1, $2)",
            taken,
            "e" * 64,
        )


async def test_the_shared_chain_is_intact_after_the_rolled_back_tampering(
    three_events: list[int], raw_pool: asyncpg.Pool
) -> None:
    report = await verify_chain(AuditStore(raw_pool))
    assert report.ok, report.summary()


async def test_health_reports_a_disabled_trigger(
    three_events: list[int], doomed: asyncpg.Connection
) -> None:
    status = await audit_health(AuditStore(doomed))
    assert status.ok and status.detail["append_only"] is True
    await doomed.execute(DISABLE_TRIGGER)
    status = await audit_health(AuditStore(doomed))
    assert not status.ok and status.detail["append_only"] is False


async def test_removed_newest_events_are_a_gap_before_the_head(
    three_events: list[int], doomed: asyncpg.Connection
) -> None:
    await doomed.execute(DISABLE_TRIGGER)
    head = await doomed.fetchval("SELECT last_id FROM audit_chain_head")
    await doomed.execute("DELETE FROM audit_event WHERE id >= $1", three_events[1])
    report = await verify_chain(AuditStore(doomed))
    assert not report.ok
    assert f"events after {three_events[0]} are missing" in report.summary()
    assert str(head) in report.summary()


async def test_an_emptied_log_whose_head_names_an_event_is_broken(
    three_events: list[int], doomed: asyncpg.Connection
) -> None:
    report = await tampered(doomed, "DELETE FROM audit_event")
    assert not report.ok
    head = await doomed.fetchval("SELECT last_id FROM audit_chain_head")
    assert f"the log is empty but its head names event {head}" in report.summary()


async def test_newest_events_rewritten_past_the_head_hash_are_detected(
    three_events: list[int], doomed: asyncpg.Connection
) -> None:
    """The last event replaced by a well-formed forgery: its hash differs from the head's."""
    last = three_events[2]
    await doomed.execute(DISABLE_TRIGGER)
    row = await doomed.fetchrow("SELECT * FROM audit_event WHERE id = $1", last)
    await doomed.execute("DELETE FROM audit_event WHERE id = $1", last)
    forged = {
        "id": last,
        "prev_hash": row["prev_hash"],
        "occurred_at": row["occurred_at"],
        "action": "test.forged",
        "actor_id": row["actor_id"],
        "subject_id": None,
        "ip": None,
        "detail": "{}",
    }
    await doomed.execute(
        "INSERT INTO audit_event (id, occurred_at, action, actor_id, detail, prev_hash, hash) "
        "VALUES ($1, $2, $3, $4, '{}', $5, $6)",
        last,
        row["occurred_at"],
        "test.forged",
        row["actor_id"],
        row["prev_hash"],
        row_hash(forged),
    )
    report = await verify_chain(AuditStore(doomed))
    assert not report.ok
    assert report.first_broken_id == last
    assert report.reason is not None and "head" in report.reason
