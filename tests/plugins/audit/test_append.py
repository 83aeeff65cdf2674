"""An append is one statement; the hash PostgreSQL computes is the verifier's, byte for byte."""

import uuid

import asyncpg

from hduce.piccolo_conf import DB
from hduce.plugins.audit.services import AuditService, verify_chain
from hduce.plugins.audit.services._chain import row_hash
from hduce.plugins.audit.store import AuditStore
from tests.plugins.appointments.statements import statements_of

# Every character JSON escapes (controls, quote, backslash), DEL, and UTF-8 of 2, 3 and 4 bytes.
AWKWARD = "".join(map(chr, range(1, 0x20))) + ' "quoted" \\ / \x7f é € 𝄞 \u2028 ✓'


async def test_an_append_outside_a_transaction_is_one_statement(audit: AuditService) -> None:
    """Locking the head, hashing, inserting and moving the head: one round trip.

    Before: BEGIN, the head's lock, the insert, COMMIT (the hash computed in Python between).
    """
    actor = uuid.uuid4()

    async def append() -> None:
        await audit.record("test.one_statement", actor_id=actor, detail={"n": 1})

    queries = await statements_of(DB.shared_pool, append)
    assert len(queries) == 1, [query for query, _ in queries]
    assert "audit_chain_head" in queries[0][0] and "INSERT INTO audit_event" in queries[0][0]


async def test_the_database_hashes_awkward_text_as_the_verifier_does(
    audit: AuditService, raw_pool: asyncpg.Pool
) -> None:
    actor, subject = uuid.uuid4(), uuid.uuid4()
    await audit.record(
        f"test.awkward {AWKWARD}"[:100],
        actor_id=actor,
        subject_id=subject,
        ip=f"ip {AWKWARD}"[:64],
        detail={"text": AWKWARD, AWKWARD: [1.5, None, True, 10**30]},
    )
    await audit.record("test.awkward", actor_id=None, ip=None)
    rows = await raw_pool.fetch(
        "SELECT id, occurred_at, action, actor_id, subject_id, ip, detail::text AS detail,"
        " prev_hash, hash FROM audit_event ORDER BY id DESC LIMIT 2"
    )
    assert {row["actor_id"] for row in rows} == {actor, None}
    for row in rows:
        assert row["hash"] == row_hash(row), row["action"]
    report = await verify_chain(AuditStore(raw_pool))
    assert report.ok, report
