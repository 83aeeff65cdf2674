"""Set-up shared by the search tests: settings, registering through the API, waiting for entries."""

import random
import string
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from hduce.core.config import Settings
from hduce.plugins.search import SearchPlugin
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.services.embedding.local import LocalEmbedder
from tests.plugins.appointments.helpers import API as APPOINTMENTS
from tests.plugins.appointments.helpers import (
    Practice,
    appointment_settings,
    iso,
    open_practice,
    two_days_ahead_at,
)
from tests.plugins.users.clinic import Clinic, Member, running_clinic
from tests.support.context import wait_for_row

API = "/api/v1/search"
PASSWORD = "Quiet-Lantern-Orbit-7421"
MEILI_KEY = "meili-test-key"
NO_LIMITS = {"register_per_hour_per_ip": 100_000, "login_per_minute_per_ip": 100_000}


def search_settings(settings: Settings, **search: Any) -> Settings:
    """Identity, notifications, appointments and search enabled; no rate limits in the way."""
    server = msgspec.structs.replace(settings.server, rate_limit_per_minute=100_000)
    base = appointment_settings(msgspec.structs.replace(settings, server=server), notifications={})
    sections = {
        **base.plugins.sections,
        "auth": {**base.plugins.sections["auth"], **NO_LIMITS},
        "search": search,
    }
    enabled = (*base.plugins.enabled, "search")
    plugins = msgspec.structs.replace(base.plugins, enabled=enabled, sections=sections)
    return msgspec.structs.replace(base, plugins=plugins)


def word() -> str:
    """A made-up word no other test uses (letters only, so it is one token)."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


def plugin(clinic: Clinic) -> SearchPlugin:
    """The running search plugin."""
    return next(p for p in clinic.client.app.plugins.init if isinstance(p, SearchPlugin))


async def register(clinic: Clinic, first_name: str, last_name: str, **fields: Any) -> Member:
    """Register a patient through `POST /auth/register`, as a real patient would."""
    tag = uuid.uuid4().hex[:10]
    body = {
        "email": f"p{tag}@example.test",
        "username": f"patient_{tag}",
        "password": PASSWORD,
        "first_name": first_name,
        "last_name": last_name,
        **fields,
    }
    response = await clinic.client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 202, response.text
    (row,) = await clinic.fetch("SELECT id FROM account WHERE email = $1", body["email"])
    account_id = row["id"]
    headers = clinic.headers(account_id, ("patient",))
    return Member(account_id, body["email"], body["username"], frozenset({"patient"}), headers)


async def search(clinic: Clinic, caller: Member, q: str, **params: Any) -> dict[str, Any]:
    """`GET /search` as `caller`; asserts 200 and returns the page."""
    response = await clinic.client.get(API, params={"q": q, **params}, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def booked(clinic: Clinic, patient: Member, reason: str, hour: int) -> tuple[str, Practice]:
    """A new practice and an appointment `patient` booked there; returns its id and the practice."""
    practice = await open_practice(clinic)
    body = {
        "practitioner_id": practice.doctor_id,
        "type_id": practice.type_id,
        "starts_at": iso(two_days_ahead_at(hour)),
        "reason": reason,
    }
    response = await clinic.client.post(APPOINTMENTS, json=body, headers=patient.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"], practice


async def wait_for_entry(
    pool: asyncpg.Pool, kind: str, ref_id: uuid.UUID | str, condition: str = "true", *args: Any
) -> asyncpg.Record:
    """Wait until the indexing task wrote the entry (and `condition` on it holds)."""
    return await wait_for_row(
        pool,
        f"SELECT * FROM search_entry WHERE kind = $1 AND ref_id = $2 AND {condition}",
        kind,
        uuid.UUID(str(ref_id)),
        *args,
    )


async def redeliver(clinic: Clinic, pool: asyncpg.Pool, name: str, key: str, value: str) -> None:
    """Run the search task of the outbox event `name` whose payload has `key` = `value` again.

    As at-least-once delivery may, possibly after later events were handled.
    """
    event = await pool.fetchrow(
        "SELECT id, payload, created_at FROM outbox WHERE name = $1 AND payload->>$2 = $3",
        name,
        key,
        value,
    )
    assert event is not None, f"no {name} event with {key} = {value}"
    (task,) = [
        s for s in clinic.context.events.subscribers(name) if s.task_name.startswith("search.")
    ]
    payload = msgspec.json.decode(event["payload"])
    await clinic.in_app(task.deliver, str(event["id"]), payload, event["created_at"].isoformat())


@asynccontextmanager
async def embedding_clinic(settings: Settings, embedder: LocalEmbedder) -> AsyncIterator[Clinic]:
    """A clinic searching with the local embedder, on `embedder`'s process (one model load)."""
    owns: list[LocalEmbedder] = []

    def share_process(plugins: list[Any]) -> None:
        own = next(p for p in plugins if isinstance(p, SearchPlugin)).embedder
        assert isinstance(own, LocalEmbedder)
        own._pool = embedder._pool  # before the app starts, and so warms, its own
        owns.append(own)

    async with running_clinic(settings, share_process) as running:
        try:
            yield running
        finally:
            owns[0]._pool = None


async def index(
    clinic: Clinic, patient_id: uuid.UUID, title: str, body: str, **extra: object
) -> uuid.UUID:
    """Write one entry of `patient_id` through the backend, as the indexing tasks do."""
    entry = Entry(
        kind="patient",
        ref_id=uuid.uuid4(),
        patient_id=patient_id,
        title=title,
        body=body,
        extra=dict(extra),
        updated_at=datetime.now(UTC),
    )
    await clinic.in_app(plugin(clinic).backend.upsert, [entry])
    return entry.ref_id
