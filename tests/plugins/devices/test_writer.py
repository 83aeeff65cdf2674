"""The batch writer on the clinic's database: a message re-using a stored `id` is a duplicate."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from hduce.plugins.devices import DevicesPlugin
from hduce.plugins.devices.config import default_ranges
from hduce.plugins.devices.services._held import SpoolRecord
from hduce.plugins.devices.services._telemetry import parse
from hduce.plugins.devices.services._writer import Accepted, Invalid, Written, write
from hduce.plugins.devices.store import Stores
from tests.plugins.devices.helpers import API, eventually, mqtt, register, telemetry
from tests.plugins.users.clinic import Clinic, Member

READINGS = "SELECT metric, value FROM reading WHERE device = $1 ORDER BY position"


def accepted(device: str, message_id: str, *readings: tuple[str, float, str]) -> Accepted:
    """A message with `message_id`, as the broker accepted it now."""
    payload = msgspec.json.encode(
        {
            "id": message_id,
            "readings": [{"metric": m, "value": v, "unit": u} for m, v, u in readings],
        }
    )
    now = datetime.now(UTC)
    parsed = parse(payload, received_at=now, max_skew=timedelta(minutes=5), ranges=default_ranges())
    return Accepted(uuid.UUID(device), payload, now, parsed)


async def written(clinic: Clinic, *batches: list[Accepted]) -> list[Written]:
    """Write `batches` at once, as two writers (two `hduce serve`) would."""
    plugin = clinic.client.app.plugins.get(DevicesPlugin)
    store = Stores.over(plugin.env.db).telemetry

    async def all_at_once() -> list[Written]:
        writes = (write(plugin.env.db, store, plugin.services.rules, b, Invalid()) for b in batches)
        return list(await asyncio.gather(*writes))

    return await clinic.in_app(all_at_once)


async def test_a_message_reusing_a_stored_id_is_a_duplicate_whole(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, _ = await register(clinic, admin, patient)
    heart = ("heart_rate", 72, "bpm")
    [first] = await written(clinic, [accepted(device, "m-1", heart)])
    assert (first.stored, first.duplicate) == (1, 0)
    [again] = await written(clinic, [accepted(device, "m-1", heart, ("glucose", 2.1, "mmol/L"))])
    assert (again.stored, again.duplicate, again.readings) == (0, 1, 0)
    assert [tuple(r) for r in await clinic.fetch(READINGS, uuid.UUID(device))] == [
        ("heart_rate", 72.0)
    ]
    alerts = await clinic.fetch("SELECT 1 FROM device_alert WHERE device = $1", uuid.UUID(device))
    assert alerts == [], "the duplicate's low glucose was not stored, so not alerted on"


async def test_messages_sharing_an_id_at_once_store_one_of_them_whole(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, _ = await register(clinic, admin, patient)
    copies = [accepted(device, "m-2", *[("heart_rate", 60 + n, "bpm")] * (n + 1)) for n in range(4)]
    outcomes = await written(clinic, *([copy] for copy in copies), copies)  # in one batch too
    assert sum(w.stored for w in outcomes) == 1
    assert sum(w.duplicate for w in outcomes) == 2 * len(copies) - 1
    values = {r["value"] for r in await clinic.fetch(READINGS, uuid.UUID(device))}
    assert len(values) == 1, "the readings of one message, not a mix"
    rows = await clinic.fetch(READINGS, uuid.UUID(device))
    assert len(rows) == int(values.pop()) - 59, "all of that message's readings"


async def test_a_message_the_database_refuses_is_set_aside_and_the_others_are_stored(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, _ = await register(clinic, admin, patient)
    ingest = clinic.client.app.plugins.get(DevicesPlugin).broker.ingest
    before = ingest.counts["rejected"]
    good = accepted(device, "fine", ("heart_rate", 61, "bpm"))
    # What validation once let through: an `id` PostgreSQL text cannot hold; and a value
    # asyncpg itself refuses to send.
    nul = good._replace(telemetry=msgspec.structs.replace(good.telemetry, id="a\x00b"))
    text = msgspec.structs.replace(good.telemetry.readings[0], value="high")
    word = good._replace(telemetry=msgspec.structs.replace(good.telemetry, readings=[text], id="w"))

    async def spool() -> None:
        for message in (nul, word, good):  # one batch, the bad messages first
            record = SpoolRecord(message.device_id, message.received_at, message.payload)
            ingest.spool.append(msgspec.msgpack.encode(record), (message, None))

    await clinic.in_app(spool)
    await eventually(clinic, READINGS, uuid.UUID(device))
    assert ingest.counts["rejected"] == before + 2
    health = (await clinic.health_detailed()).json()["checks"]["mqtt"]
    assert health["ok"] is True, "the writer goes on"
    assert health["detail"]["messages_rejected"] == before + 2
    shown = (await clinic.client.get(f"{API}/{device}", headers=admin.headers)).json()
    assert "database refused" in shown["last_error"]
    assert shown["invalid_messages"] == 2


async def mqtt_health(clinic: Clinic) -> dict[str, Any]:
    """The `mqtt` check of /health/detailed."""
    check: dict[str, Any] = (await clinic.health_detailed()).json()["checks"]["mqtt"]
    return check


async def test_the_mqtt_check_is_not_ok_while_the_writer_fails(
    clinic: Clinic, admin: Member, patient: Member
) -> None:
    device, secret = await register(clinic, admin, patient)
    # A fault that is not in the data (the writer retries): the table it claims keys in is gone.
    await clinic.fetch("ALTER TABLE reading_message RENAME TO reading_message_away")
    try:
        async with mqtt(clinic, device, secret) as client:
            reading = telemetry(("heart_rate", 63, "bpm"))
            await client.publish(f"devices/{device}/telemetry", reading, qos=1)
        async with asyncio.timeout(10):
            while (await mqtt_health(clinic))["ok"]:
                await asyncio.sleep(0.1)
        assert (await mqtt_health(clinic))["detail"]["writer_failing"] is True
    finally:
        await clinic.fetch("ALTER TABLE reading_message_away RENAME TO reading_message")
    await eventually(clinic, READINGS, uuid.UUID(device))
    assert (await mqtt_health(clinic))["ok"] is True
