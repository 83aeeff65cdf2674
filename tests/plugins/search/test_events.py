"""`search.performed` reaches the bus for every search, carrying a hash instead of the query."""

import asyncio
import hashlib
import json
import time

import asyncpg
import nats
from nats.aio.msg import Msg

from hduce.core.config import Settings
from tests.plugins.search.helpers import register, search, wait_for_entry, word
from tests.plugins.users.clinic import Clinic

SUBJECT = "hduce.events.search.performed"


async def test_each_search_publishes_its_hash_mode_hits_and_role(
    settings: Settings, clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    surname = word()
    patient = await register(clinic, "Rosa", surname.capitalize())
    await wait_for_entry(raw_pool, "patient", patient.id)
    doctor = await clinic.member("doctor")
    seen: list[Msg] = []
    bus = await nats.connect(settings.nats.url)

    async def keep(message: Msg) -> None:
        seen.append(message)

    try:
        await bus.subscribe(SUBJECT, cb=keep)
        await bus.flush()
        await search(clinic, doctor, f"Rosa  {surname.upper()}")
        await search(clinic, patient, surname)
        deadline = time.monotonic() + 10
        while len(mine(seen, surname)) < 2:
            assert time.monotonic() < deadline, [m.data for m in seen]
            await asyncio.sleep(0.05)
    finally:
        await bus.drain()
    by_role = {event["caller_role"]: event for event in mine(seen, surname)}
    assert by_role["doctor"] == {
        "query_hash": digest(f"rosa {surname}"),
        "mode": "keyword",
        "hits": 1,
        "caller_role": "doctor",
    }
    assert by_role["patient"]["hits"] == 1
    assert all(surname.encode() not in message.data.lower() for message in seen)


def digest(text: str) -> str:
    """The hash a query is published as."""
    return hashlib.sha256(text.encode()).hexdigest()


def mine(seen: list[Msg], surname: str) -> list[dict[str, object]]:
    """The events of the two searches of this test (others may run on the same bus)."""
    hashes = {digest(f"rosa {surname}"), digest(surname)}
    events = [json.loads(message.data) for message in seen]
    return [event for event in events if event["query_hash"] in hashes]
