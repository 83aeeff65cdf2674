"""Set-up shared by the appointments tests: settings, a practice with hours, booking calls."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import msgspec
from httpx import Response

from hduce.core.config import Settings
from hduce.core.outbox import NOTIFY_CHANNEL
from tests.plugins.users.clinic import IDENTITY_PLUGINS, Clinic, Member, identity_settings
from tests.support.context import wait_for_row

API = "/api/v1/appointments"
EVERY_DAY = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(7)]
# `HH:MM:SS` is accepted too: the last second of the day is as late as hours go.
AROUND_THE_CLOCK = [{"weekday": d, "start": "00:00", "end": "23:59:59"} for d in range(7)]
# Booking rules loose enough that tests can book minutes ahead and far into the future.
TEST_RULES = {"min_notice": "0s", "horizon": "400d", "max_search_range": "62d"}
DOCTOR_NAME = "Ada Okafor"


def appointment_settings(
    settings: Settings, *, notifications: dict[str, Any], **config: Any
) -> Settings:
    """Identity test settings with notifications and appointments enabled and configured."""
    base = identity_settings(settings)
    sections = {
        **base.plugins.sections,
        "notifications": notifications,
        "appointments": {**TEST_RULES, **config},
    }
    enabled = (*IDENTITY_PLUGINS, "notifications", "appointments")
    plugins = msgspec.structs.replace(base.plugins, enabled=enabled, sections=sections)
    return msgspec.structs.replace(base, plugins=plugins)


@dataclass(frozen=True)
class Practice:
    """A doctor with opening hours and an appointment type they offer, and an admin."""

    admin: Member
    doctor: Member
    type_id: str
    timezone: str

    @property
    def doctor_id(self) -> str:
        """The doctor's id as text."""
        return str(self.doctor.id)


async def open_practice(
    clinic: Clinic,
    *,
    timezone: str = "UTC",
    hours: list[dict[str, Any]] = EVERY_DAY,
    duration: int = 30,
    buffer_before: int = 0,
    buffer_after: int = 0,
    admin: Member | None = None,
) -> Practice:
    """Create a doctor, an appointment type they offer, and their weekly hours."""
    admin = admin or await clinic.member("admin")
    first_name, last_name = DOCTOR_NAME.split()
    doctor = await clinic.member("doctor", first_name=first_name, last_name=last_name)
    body = {
        "name": f"Consultation {uuid.uuid4().hex[:8]}",
        "duration_minutes": duration,
        "buffer_before_minutes": buffer_before,
        "buffer_after_minutes": buffer_after,
        "practitioner_ids": [str(doctor.id)],
    }
    created = await clinic.client.post(f"{API}/types", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    hours_body = {"timezone": timezone, "weekly_hours": hours}
    response = await clinic.client.put(
        f"{API}/availability/{doctor.id}", json=hours_body, headers=doctor.headers
    )
    assert response.status_code == 200, response.text
    return Practice(admin, doctor, created.json()["id"], timezone)


def iso(moment: datetime) -> str:
    """An ISO 8601 instant with an explicit offset (`Z`, safe in query strings)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def free_slots(
    clinic: Clinic, practice: Practice, caller: Member, start: datetime, days: float = 2
) -> list[dict[str, str]]:
    """The free slots from `start` for `days` days."""
    params = {
        "practitioner_id": practice.doctor_id,
        "type_id": practice.type_id,
        "start": iso(start),
        "end": iso(start + timedelta(days=days)),
    }
    response = await clinic.client.get(f"{API}/slots", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()["slots"]


async def book(
    clinic: Clinic,
    practice: Practice,
    caller: Member,
    starts_at: str | datetime,
    patient: Member | None = None,
) -> Response:
    """POST a booking as `caller` (for `patient` when given)."""
    body: dict[str, Any] = {
        "practitioner_id": practice.doctor_id,
        "type_id": practice.type_id,
        "starts_at": starts_at if isinstance(starts_at, str) else iso(starts_at),
    }
    if patient is not None:
        body["patient_id"] = str(patient.id)
    return await clinic.client.post(API, json=body, headers=caller.headers)


def two_days_ahead_at(hour: int, minute: int = 0) -> datetime:
    """The day after tomorrow (UTC) at a given time: always beyond the default cancel notice."""
    day = datetime.now(UTC).date() + timedelta(days=2)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


AS_IF_TODAY = (  # the visit's day has come: it starts now
    "UPDATE appointment SET starts_at = now(), ends_at = now() + interval '30 minutes', "
    "blocked_from = now(), blocked_until = now() + interval '30 minutes' WHERE id = $1::uuid"
)
"""Moves a booked visit to now, so it may be checked in (only from its day on)."""


async def pending_events(clinic: Clinic, appointment_id: str) -> list[tuple[str, datetime]]:
    """Scheduled events still ahead for one appointment: (name, due time), by due time."""
    rows = await clinic.fetch(
        "SELECT name, available_at FROM outbox WHERE dispatched_at IS NULL "
        "AND available_at > now() AND payload->>'appointment_id' = $1 ORDER BY available_at",
        appointment_id,
    )
    return [(row["name"], row["available_at"]) for row in rows]


async def bring_forward(clinic: Clinic, appointment_id: str, name: str) -> None:
    """Make the appointment's next pending `name` event due now, as if its time had come."""
    moved = await clinic.execute(
        "UPDATE outbox SET available_at = now() WHERE id = (SELECT id FROM outbox "
        "WHERE dispatched_at IS NULL AND name = $1 AND payload->>'appointment_id' = $2 "
        "ORDER BY available_at LIMIT 1)",
        name,
        appointment_id,
    )
    assert moved == "UPDATE 1", moved
    await clinic.execute(f"NOTIFY {NOTIFY_CHANNEL}")  # wake the relay instead of its next poll


async def eventually(clinic: Clinic, query: str, *args: object) -> Any:
    """The first row `query` returns, waiting for one to appear."""
    return await clinic.in_app(wait_for_row, clinic.context.db.shared_pool, query, *args)


async def events_named(clinic: Clinic, name: str, appointment_id: str) -> list[dict[str, Any]]:
    """Payloads of every `name` event about one appointment."""
    rows = await clinic.fetch(
        "SELECT payload::text AS payload FROM outbox WHERE name = $1 "
        "AND payload->>'appointment_id' = $2 ORDER BY created_at",
        name,
        appointment_id,
    )
    return [msgspec.json.decode(row["payload"]) for row in rows]


def zone_where_it_is(hour: int) -> str:
    """A fixed-offset IANA zone whose local clock reads about `hour` o'clock now.

    Tests that book minutes ahead under AROUND_THE_CLOCK use a zone where it is midday, so the
    visit never reaches the one-second pause at local midnight whatever the hour in UTC.
    """
    offset = (hour - datetime.now(UTC).hour + 12) % 24 - 12  # UTC+offset, in [-12, +11]
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX signs are inverted


def hours_ahead(hours: float) -> datetime:
    """The quarter hour after `hours` from now whose 30-minute visit does not cross midnight UTC.

    Quarter hours are the slot grid (`slot_interval`) of AROUND_THE_CLOCK: only those are booked.
    """
    moment = datetime.now(UTC) + timedelta(hours=hours)
    start = moment.replace(minute=0, second=0, microsecond=0)
    start += timedelta(minutes=15 * -(-(moment - start) // timedelta(minutes=15)))
    if start.hour == 23 and start.minute >= 30:
        start += timedelta(minutes=60 - start.minute)  # AROUND_THE_CLOCK pauses at midnight
    return start


async def ask_to_wait(
    clinic: Clinic, practice: Practice, patient: Member, first: date, last: date
) -> Response:
    """POST `patient`'s wish to wait for the practice from `first` to `last` (local dates)."""
    body = {
        "practitioner_id": practice.doctor_id,
        "type_id": practice.type_id,
        "from_date": first.isoformat(),
        "to_date": last.isoformat(),
    }
    return await clinic.client.post(f"{API}/waitlist", json=body, headers=patient.headers)


async def join_waitlist(clinic: Clinic, practice: Practice, patient: Member, day: date) -> None:
    """Put `patient` on the practice's waitlist for one day."""
    joined = await ask_to_wait(clinic, practice, patient, day, day)
    assert joined.status_code == 201, joined.text


async def entry_of(clinic: Clinic, member: Member) -> dict[str, Any]:
    """The one waitlist entry of `member`."""
    response = await clinic.client.get(f"{API}/waitlist", headers=member.headers)
    assert response.status_code == 200, response.text
    (entry,) = response.json()
    return entry


WAITING = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
"""

Call = tuple[str, str, dict[str, Any], dict[str, str]]


async def send_all(app: Any, calls: list[Call]) -> list[tuple[int, dict[str, Any]]]:
    """Send every request at once through the ASGI app, on the app's own loop."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://clinic.test") as client:
        responses = await asyncio.gather(
            *(client.request(m, url, json=body, headers=h) for m, url, body, h in calls)
        )
    return [(r.status_code, r.json()) for r in responses]
