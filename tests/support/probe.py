"""A test plugin: an event whose handler records when and how often it ran, idempotently."""

import asyncio

import msgspec

from hduce.core.context import AppContext
from hduce.core.events import Event, EventMeta
from hduce.core.plugin import HducePlugin
from hduce.core.tables import Outbox

PROBE_TABLES = """
CREATE TABLE IF NOT EXISTS probe_attempt (
    id bigserial PRIMARY KEY, event_id uuid NOT NULL, label text NOT NULL,
    at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS probe_effect (event_id uuid PRIMARY KEY, label text NOT NULL,
                                         at timestamptz NOT NULL DEFAULT now());
"""


class ProbeRequested(Event, frozen=True):
    """Asks the probe task to record `label` after `seconds`; `fail_times` failures first."""

    name = "probe.requested"
    label: str
    seconds: float = 0.0
    fail_times: int = 0


async def record_probe(event: ProbeRequested, meta: EventMeta) -> None:
    """Note the attempt, optionally fail or wait, then write the effect once."""
    attempts = await Outbox.raw(
        "INSERT INTO probe_attempt (event_id, label) VALUES ({}, {}) "
        "RETURNING (SELECT count(*) FROM probe_attempt WHERE event_id = {}) AS before",
        meta.event_id,
        event.label,
        meta.event_id,
    )
    if attempts[0]["before"] < event.fail_times:
        raise RuntimeError(f"probe {event.label} fails on purpose")
    await asyncio.sleep(event.seconds)
    await Outbox.raw(
        "INSERT INTO probe_effect (event_id, label) VALUES ({}, {}) ON CONFLICT DO NOTHING",
        meta.event_id,
        event.label,
    )


class ProbePlugin(HducePlugin):
    """Subscribes `probe.record` to `ProbeRequested`."""

    name = "probe"

    def setup(self, context: AppContext) -> None:
        """Subscribe the probe handler."""
        super().setup(context)
        context.events.subscribe(ProbeRequested, record_probe, task_name="probe.record")


def encode(event: Event) -> str:
    """The JSON payload of an event, as stored in the outbox."""
    return msgspec.json.encode(event).decode()
