"""Requests of the authorization matrix for the appointments routes, with their set-up.

Each sender takes a matrix cell (`clinic`, `caller`, `target`, `call`), seeds what the route needs
directly in the database (the target owns it), and sends the request as the caller.
"""

import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import Response

from hduce.plugins.appointments.services._feeds import _digest
from hduce.plugins.appointments.services._tokens import ConfirmationTokens
from tests.plugins.appointments.helpers import API, iso

Sender = Callable[[Any], Awaitable[Response]]


def on_day(days: int) -> datetime:
    """10:00 UTC, `days` days from today: a 30-minute visit then never runs past midnight,
    where the practice's hours (00:00 to 23:59:59) end, whatever the time the tests run."""
    return datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(
        days=days
    )


async def seed_practice(clinic: Any) -> tuple[uuid.UUID, uuid.UUID]:
    """A doctor working around the clock (UTC) and a 30-minute type they offer."""
    doctor = (await clinic.member("doctor")).id
    type_id = uuid.uuid4()
    await clinic.execute(
        "INSERT INTO appointment_type (id, name, duration_minutes) VALUES ($1, $2, 30)",
        type_id,
        f"Matrix {type_id.hex[:12]}",
    )
    await clinic.execute(
        "INSERT INTO appointment_type_practitioner (id, appointment_type, practitioner) "
        "VALUES ($1, $2, $3)",
        uuid.uuid4(),
        type_id,
        doctor,
    )
    for weekday in range(7):
        await clinic.execute(
            "INSERT INTO weekly_hours (id, practitioner, weekday, start_time, end_time) "
            "VALUES ($1, $2, $3, '00:00', '23:59:59')",
            uuid.uuid4(),
            doctor,
            weekday,
        )
    return doctor, type_id


async def seed_appointment(
    clinic: Any, patient: uuid.UUID, *, status: str = "booked", starts_in: timedelta
) -> tuple[uuid.UUID, datetime]:
    """An appointment of `patient` with a fresh doctor; returns its id and start."""
    doctor, type_id = await seed_practice(clinic)
    appointment_id = uuid.uuid4()
    start = (
        on_day(starts_in.days)
        if starts_in >= timedelta(days=1)
        else (datetime.now(UTC) + starts_in).replace(microsecond=0)
    )
    end = start + timedelta(minutes=30)
    hold = datetime.now(UTC) + timedelta(minutes=15) if status == "held" else None
    await clinic.execute(
        "INSERT INTO appointment (id, patient, practitioner, appointment_type, status, starts_at, "
        "ends_at, blocked_from, blocked_until, mode, booked_by, hold_until, scheduled_events) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7, 'in_person', $2, $8, '{}')",
        appointment_id,
        patient,
        doctor,
        type_id,
        status,
        start,
        end,
        hold,
    )
    return appointment_id, start


def on_appointment(
    method: str,
    suffix: str,
    body: Callable[[Any, uuid.UUID, datetime], object] | None = None,
    *,
    status: str = "booked",
    starts_in: timedelta = timedelta(days=3),
) -> Sender:
    """A request on an appointment of the target."""

    async def send(cell: Any) -> Response:
        appointment_id, start = await seed_appointment(
            cell.clinic, cell.target.id, status=status, starts_in=starts_in
        )
        payload = body(cell, appointment_id, start) if body else None
        return await cell.call(method, f"{API}/{appointment_id}{suffix}", payload)

    return send


def confirmation(cell: Any, appointment_id: uuid.UUID, start: datetime) -> object:
    """A valid confirmation token for the appointment."""
    tokens = ConfirmationTokens(cell.clinic.context.settings.auth.jwt_secret)
    return {"token": tokens.issue(appointment_id, start)}


def new_start(_: Any, __: uuid.UUID, start: datetime) -> object:
    """A start one day later."""
    return {"starts_at": iso(start + timedelta(days=1))}


def on_practice(build: Callable[[Any, uuid.UUID, uuid.UUID], tuple[str, str, object]]) -> Sender:
    """A request needing a practitioner and a type (`build` gives method, path, body)."""

    async def send(cell: Any) -> Response:
        doctor, type_id = await seed_practice(cell.clinic)
        method, path, payload = build(cell, doctor, type_id)
        return await cell.call(method, path, payload)

    return send


def booking(cell: Any, doctor: uuid.UUID, type_id: uuid.UUID) -> tuple[str, str, object]:
    """Book tomorrow; for another patient when the target is not the caller."""
    body: dict[str, object] = {
        "practitioner_id": str(doctor),
        "type_id": str(type_id),
        "starts_at": iso(on_day(1)),
    }
    if cell.caller is None or cell.target.id != cell.caller.id:
        body["patient_id"] = str(cell.target.id)
    return "POST", API, body


def waitlist_join(cell: Any, doctor: uuid.UUID, type_id: uuid.UUID) -> tuple[str, str, object]:
    """Join a waitlist; for another patient when the target is not the caller."""
    today = datetime.now(UTC).date()
    body: dict[str, object] = {
        "practitioner_id": str(doctor),
        "type_id": str(type_id),
        "from_date": today.isoformat(),
        "to_date": (today + timedelta(days=7)).isoformat(),
    }
    if cell.caller is None or cell.target.id != cell.caller.id:
        body["patient_id"] = str(cell.target.id)
    return "POST", f"{API}/waitlist", body


def slots(_: Any, doctor: uuid.UUID, type_id: uuid.UUID) -> tuple[str, str, object]:
    """Search tomorrow's slots."""
    start = datetime.now(UTC) + timedelta(days=1)
    query = (
        f"?practitioner_id={doctor}&type_id={type_id}"
        f"&start={iso(start)}&end={iso(start + timedelta(hours=4))}"
    )
    return "GET", f"{API}/slots{query}", None


def type_change(_: Any, __: uuid.UUID, type_id: uuid.UUID) -> tuple[str, str, object]:
    """Lengthen a type."""
    return "PATCH", f"{API}/types/{type_id}", {"duration_minutes": 45}


async def seed_entry(cell: Any, *, offered: bool) -> uuid.UUID:
    """A waitlist entry of the target, waiting or holding an offered slot."""
    doctor, type_id = await seed_practice(cell.clinic)
    held = None
    if offered:
        held, _ = await seed_appointment(
            cell.clinic, cell.target.id, status="held", starts_in=timedelta(days=2)
        )
    entry_id = uuid.uuid4()
    today = datetime.now(UTC).date()
    await cell.clinic.execute(
        "INSERT INTO waitlist_entry (id, patient, practitioner, appointment_type, from_date, "
        "to_date, status, offered_appointment, offer_expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        entry_id,
        cell.target.id,
        doctor,
        type_id,
        today,
        today + timedelta(days=7),
        "offered" if offered else "waiting",
        held,
        datetime.now(UTC) + timedelta(minutes=15) if offered else None,
    )
    return entry_id


async def claim(cell: Any) -> Response:
    entry_id = await seed_entry(cell, offered=True)
    return await cell.call("POST", f"{API}/waitlist/{entry_id}/claim")


async def leave(cell: Any) -> Response:
    entry_id = await seed_entry(cell, offered=False)
    return await cell.call("DELETE", f"{API}/waitlist/{entry_id}")


async def seed_feed(cell: Any) -> tuple[uuid.UUID, str]:
    """A calendar feed of the target's schedule; returns its id and secret."""
    feed_id, token = uuid.uuid4(), secrets.token_urlsafe(16)
    await cell.clinic.execute(
        "INSERT INTO calendar_feed (id, practitioner, token_hash) VALUES ($1, $2, $3)",
        feed_id,
        cell.target.id,
        _digest(token),
    )
    return feed_id, token


async def revoke_feed(cell: Any) -> Response:
    feed_id, _ = await seed_feed(cell)
    return await cell.call("DELETE", f"{API}/feeds/{feed_id}")


async def read_feed(cell: Any) -> Response:
    _, token = await seed_feed(cell)
    return await cell.call("GET", f"{API}/ical/{token}.ics")


def on_hours(method: str, suffix: str = "", body: object = None) -> Sender:
    """A request on the target's availability."""

    async def send(cell: Any) -> Response:
        return await cell.call(method, f"{API}/availability/{cell.target.id}{suffix}", body)

    return send


async def delete_exception(cell: Any) -> Response:
    exception_id = uuid.uuid4()
    await cell.clinic.execute(
        "INSERT INTO availability_exception (id, practitioner, on_date, kind) "
        "VALUES ($1, $2, current_date + 3, 'time_off')",
        exception_id,
        cell.target.id,
    )
    return await cell.call(
        "DELETE", f"{API}/availability/{cell.target.id}/exceptions/{exception_id}"
    )


HOURS = {
    "timezone": "Europe/Paris",
    "weekly_hours": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
}
TIME_OFF = {
    "on_date": (datetime.now(UTC).date() + timedelta(days=5)).isoformat(),
    "kind": "time_off",
}
BASE = "/api/v1/appointments"
APPOINTMENT_REQUESTS: dict[tuple[str, str], Sender] = {
    ("POST", f"{BASE}/types"): lambda cell: cell.call(
        "POST", f"{API}/types", {"name": f"Type {uuid.uuid4().hex[:8]}", "duration_minutes": 20}
    ),
    ("PATCH", f"{BASE}/types/{{type_id}}"): on_practice(type_change),
    ("GET", f"{BASE}/availability/{{practitioner_id}}"): on_hours("GET"),
    ("PUT", f"{BASE}/availability/{{practitioner_id}}"): on_hours("PUT", body=HOURS),
    ("POST", f"{BASE}/availability/{{practitioner_id}}/exceptions"): on_hours(
        "POST", "/exceptions", TIME_OFF
    ),
    ("DELETE", f"{BASE}/availability/{{practitioner_id}}/exceptions/{{exception_id}}"): (
        delete_exception
    ),
    ("GET", f"{BASE}/slots"): on_practice(slots),
    ("POST", BASE): on_practice(booking),
    ("GET", f"{BASE}/{{appointment_ref}}"): on_appointment("GET", ""),
    ("POST", f"{BASE}/{{appointment_id}}/confirm"): on_appointment(
        "POST", "/confirm", confirmation
    ),
    ("POST", f"{BASE}/{{appointment_id}}/cancel"): on_appointment(
        "POST", "/cancel", lambda *_: {"reason": "matrix"}
    ),
    ("POST", f"{BASE}/{{appointment_id}}/reschedule"): on_appointment(
        "POST", "/reschedule", new_start
    ),
    ("POST", f"{BASE}/{{appointment_id}}/check-in"): on_appointment(
        "POST", "/check-in", starts_in=timedelta(minutes=-5)
    ),
    ("POST", f"{BASE}/{{appointment_id}}/start"): on_appointment(
        "POST", "/start", status="checked_in", starts_in=timedelta(minutes=-5)
    ),
    ("POST", f"{BASE}/{{appointment_id}}/complete"): on_appointment(
        "POST", "/complete", status="in_progress", starts_in=timedelta(minutes=-5)
    ),
    ("POST", f"{BASE}/{{appointment_id}}/no-show"): on_appointment(
        "POST", "/no-show", starts_in=timedelta(hours=-1)
    ),
    ("PUT", f"{BASE}/{{appointment_id}}/notes"): on_appointment(
        "PUT", "/notes", lambda *_: {"notes": "Matrix notes"}
    ),
    ("POST", f"{BASE}/waitlist"): on_practice(waitlist_join),
    ("POST", f"{BASE}/waitlist/{{entry_id}}/claim"): claim,
    ("DELETE", f"{BASE}/waitlist/{{entry_id}}"): leave,
    ("DELETE", f"{BASE}/feeds/{{feed_id}}"): revoke_feed,
    ("GET", f"{BASE}/ical/{{feed_file}}"): read_feed,
}
