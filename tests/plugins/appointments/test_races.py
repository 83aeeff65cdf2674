"""Races for one slot: exactly one winner, the rest 409, and PostgreSQL never breaks a deadlock.

To make the racers meet at the worst moment every time, another transaction holds the slot
while they pile up behind it, then rolls back: every racer wakes at once. In one process the
first racer waits in the database and the others wait for its outcome (`ClaimsInFlight`);
racers from several processes meet in the database, which their own transactions simulate here.
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from hduce.core.db import Database
from hduce.core.security import Principal
from hduce.plugins.appointments import AppointmentsPlugin
from hduce.plugins.appointments.errors import SlotUnavailable
from hduce.plugins.appointments.schemas import AppointmentCreate
from tests.plugins.appointments.helpers import (
    API,
    WAITING,
    Call,
    Practice,
    book,
    iso,
    open_practice,
    send_all,
    two_days_ahead_at,
)
from tests.plugins.users.clinic import Clinic, Member

RACERS = 30
SLOT_TAKEN = "https://hduce.dev/problems/slot-unavailable"
HOLD = """
INSERT INTO appointment (id, patient, practitioner, appointment_type, status, starts_at, ends_at,
                         blocked_from, blocked_until, mode, booked_by, scheduled_events)
SELECT $1, $2, $3, t.id, 'booked', $4::timestamptz, $4 + interval '30 minutes', $4,
       $4 + interval '30 minutes',
       t.mode, $2, '{}'
FROM appointment_type t WHERE t.id = $5
"""


def deadlocks_logged(services_dir: Path) -> int:
    """How many deadlocks the session's PostgreSQL has broken so far (its log says each one)."""
    log = services_dir / "pg" / "postgres.log"
    return log.read_text(errors="replace").count("deadlock detected")


def winner(responses: list[tuple[int, dict[str, Any]]], won: int) -> dict[str, Any]:
    """The body of the one `won` answer; every other one must be a slot-unavailable problem."""
    statuses = Counter(status for status, _ in responses)
    assert statuses == {won: 1, 409: len(responses) - 1}, statuses
    assert {body["type"] for status, body in responses if status == 409} == {SLOT_TAKEN}
    (body,) = [body for status, body in responses if status == won]
    return body


@asynccontextmanager
async def slot_held_then_freed(
    raw_pool: asyncpg.Pool,
    practice: Practice,
    holder: Member,
    start: datetime,
    queued: Callable[[int], bool],
) -> AsyncIterator[None]:
    """Hold the slot in an open transaction; on exit, once racers queue behind it, roll it back.

    `queued(n)` tells whether the racers have all queued when `n` sessions wait on a lock.
    """
    async with raw_pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        try:
            await connection.execute(
                HOLD,
                uuid.uuid4(),
                holder.id,
                practice.doctor.id,
                start,
                uuid.UUID(practice.type_id),
            )
            yield
            async with asyncio.timeout(30):
                while not queued(await raw_pool.fetchval(WAITING)):
                    await asyncio.sleep(0.05)
        finally:
            await transaction.rollback()


async def race(
    clinic: Clinic, raw_pool: asyncpg.Pool, practice: Practice, start: datetime, calls: list[Call]
) -> list[tuple[int, dict[str, Any]]]:
    """Send `calls` at once for a slot that is freed just as they all wait for it."""
    holder = await clinic.member("patient")
    in_flight = clinic.client.app.plugins.get(AppointmentsPlugin).services.booking.in_flight

    def queued(waiting_on_locks: int) -> bool:
        # The first racer waits in the database, every other one for its outcome.
        return waiting_on_locks >= 1 and in_flight.waiting == len(calls) - 1

    async with slot_held_then_freed(raw_pool, practice, holder, start, queued):
        # The test client runs one request at a time: concurrency needs the app's loop.
        racing = asyncio.ensure_future(clinic.in_app(send_all, clinic.client.app, calls))
    return await racing


async def racers(clinic: Clinic) -> tuple[Practice, list[Member]]:
    """A practice and `RACERS` patients."""
    return await open_practice(clinic), [await clinic.member("patient") for _ in range(RACERS)]


def booking(practice: Practice, patient: Member, start: datetime) -> Call:
    """A patient's POST for the slot at `start`."""
    body = {"practitioner_id": practice.doctor_id, "type_id": practice.type_id}
    return ("POST", API, {**body, "starts_at": iso(start)}, patient.headers)


async def test_a_booking_race_has_one_winner_and_no_deadlock(
    clinic: Clinic, raw_pool: asyncpg.Pool, services_dir: Path
) -> None:
    practice, patients = await racers(clinic)
    start = two_days_ahead_at(11)
    before = deadlocks_logged(services_dir)
    calls = [booking(practice, p, start) for p in patients]
    responses = await race(clinic, raw_pool, practice, start, calls)
    assert deadlocks_logged(services_dir) == before
    won = winner(responses, 201)
    rows = await clinic.fetch(
        "SELECT patient FROM appointment WHERE practitioner = $1 AND starts_at = $2",
        practice.doctor.id,
        start,
    )
    assert [str(r["patient"]) for r in rows] == [won["patient_id"]]


async def test_a_reschedule_race_has_one_winner_and_keeps_the_losers_bookings(
    clinic: Clinic, raw_pool: asyncpg.Pool, services_dir: Path
) -> None:
    practice, patients = await racers(clinic)
    first = two_days_ahead_at(8) + timedelta(days=1)
    booked = []
    for index, patient in enumerate(patients):
        # 20 half hours a working day: the bookings spread over two days.
        at = first + timedelta(days=index // 20, minutes=30 * (index % 20))
        response = await book(clinic, practice, patient, at)
        assert response.status_code == 201, response.text
        booked.append(response.json())
    target = first - timedelta(days=1) + timedelta(hours=6)
    before = deadlocks_logged(services_dir)
    calls = [
        ("POST", f"{API}/{a['id']}/reschedule", {"starts_at": iso(target)}, patient.headers)
        for a, patient in zip(booked, patients, strict=True)
    ]
    responses = await race(clinic, raw_pool, practice, target, calls)
    assert deadlocks_logged(services_dir) == before
    moved = winner(responses, 200)["id"]
    rows = await clinic.fetch(
        "SELECT id, starts_at FROM appointment WHERE practitioner = $1 AND status = 'booked'",
        practice.doctor.id,
    )
    starts = {str(r["id"]): r["starts_at"] for r in rows}
    assert iso(starts.pop(moved)) == iso(target)
    assert {key: iso(value) for key, value in starts.items()} == {
        a["id"]: a["starts_at"] for a in booked if a["id"] != moved
    }


async def _book_each_in_its_own_transaction(
    booking: Any, db: Database, principals: list[Principal], data: AppointmentCreate
) -> list[object]:
    """Book as every principal at once, each in a transaction of its own (like other processes)."""

    async def attempt(principal: Principal) -> object:
        try:
            async with db.transaction():
                return await booking.book(principal, data)
        except SlotUnavailable as exc:
            return exc

    return await asyncio.gather(*(attempt(principal) for principal in principals))


async def test_racers_of_several_processes_meet_in_the_database_with_one_winner(
    clinic: Clinic, raw_pool: asyncpg.Pool, services_dir: Path
) -> None:
    practice, patients = await racers(clinic)
    start = two_days_ahead_at(14)
    data = AppointmentCreate(
        practitioner_id=practice.doctor.id, type_id=practice.type_id, starts_at=start
    )
    principals = [Principal(id=p.id, roles=frozenset(p.roles)) for p in patients]
    booking = clinic.client.app.plugins.get(AppointmentsPlugin).services.booking
    before = deadlocks_logged(services_dir)
    holder = await clinic.member("patient")
    # Every pooled connection of the app but a spare one ends up waiting on a lock.
    pooled = clinic.context.settings.database.pool_max_size - 2
    async with slot_held_then_freed(raw_pool, practice, holder, start, lambda n: n >= pooled):
        racing = asyncio.ensure_future(
            clinic.in_app(
                _book_each_in_its_own_transaction,
                booking,
                Database(clinic.context.db),
                principals,
                data,
            )
        )
    outcomes = await racing
    assert deadlocks_logged(services_dir) == before
    assert sum(1 for o in outcomes if isinstance(o, SlotUnavailable)) == RACERS - 1, outcomes
    rows = await clinic.fetch(
        "SELECT patient FROM appointment WHERE practitioner = $1 AND starts_at = $2",
        practice.doctor.id,
        start,
    )
    assert len(rows) == 1
