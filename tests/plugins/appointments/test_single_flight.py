"""Claims of one slot fly one at a time in a process: those behind a winner never reach SQL.

The doctor's calendar lock is held from outside the app, so the first claim is stuck in flight
(inside its INSERT) while the second one arrives; then the lock is let go.
"""

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import asyncpg
import pytest

from hduce.core.security import Principal
from hduce.plugins.appointments import AppointmentsPlugin
from hduce.plugins.appointments.errors import PatientBusy, SlotUnavailable
from hduce.plugins.appointments.schemas import AppointmentCreate
from hduce.plugins.appointments.services._booking import Booking
from hduce.plugins.appointments.store._appointment_rows import lock_keys
from tests.plugins.appointments.helpers import Practice, book, open_practice, two_days_ahead_at
from tests.plugins.appointments.statements import statements_of
from tests.plugins.appointments.test_races import WAITING
from tests.plugins.users.clinic import Clinic, Member

Outcome = object  # the booked row or the exception the booking raised


def booking_of(clinic: Clinic) -> Booking:
    """The app's booking service."""
    return clinic.client.app.plugins.get(AppointmentsPlugin).services.booking


async def attempt(clinic: Clinic, practice: Practice, patient: Member, start: datetime) -> Outcome:
    """Book `start` as `patient` on the app's loop: the row, or the exception raised."""
    data = AppointmentCreate(
        practitioner_id=practice.doctor.id, type_id=practice.type_id, starts_at=start
    )
    principal = Principal(id=patient.id, roles=frozenset(patient.roles))
    try:
        return await booking_of(clinic).book(principal, data)
    except Exception as exc:
        return exc


@asynccontextmanager
async def calendar_held(raw_pool: asyncpg.Pool, practice: Practice) -> AsyncIterator[None]:
    """Hold the doctor's calendar lock from outside the app until the block ends."""
    (key,) = lock_keys([practice.doctor.id])
    async with raw_pool.acquire() as connection:
        await connection.execute("SELECT pg_advisory_lock($1)", key)
        try:
            yield
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", key)


async def until(condition: Callable[[], object], what: str) -> None:
    """Poll `condition()` (sync or async) for up to 30 s."""
    try:
        async with asyncio.timeout(30):
            while True:
                value = condition()
                if asyncio.iscoroutine(value):
                    value = await value
                if value:
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(what) from None


async def first_then_second(
    clinic: Clinic,
    raw_pool: asyncpg.Pool,
    practice: Practice,
    first: Member,
    second: Member,
    start: datetime,
    second_start: datetime | None = None,
) -> tuple[Outcome, Outcome, list[str]]:
    """Both outcomes for one slot, the second (at `second_start`) sent while the first flies.

    Also the statements the second sent.
    """
    go = threading.Event()
    outcomes: list[Outcome] = []

    async def second_claim() -> None:
        while not go.is_set():
            await asyncio.sleep(0.01)
        outcomes.append(await attempt(clinic, practice, second, second_start or start))

    async with calendar_held(raw_pool, practice):
        measured = asyncio.ensure_future(
            clinic.in_app(statements_of, clinic.context.db.shared_pool, second_claim)
        )
        # statements_of opens every pooled connection first: let it, then start the first claim.
        await asyncio.sleep(0.5)
        stuck = asyncio.ensure_future(clinic.in_app(attempt, clinic, practice, first, start))
        in_flight = booking_of(clinic).in_flight

        async def first_waits_in_the_database() -> bool:
            return in_flight.under_way == 1 and await raw_pool.fetchval(WAITING) >= 1

        await until(first_waits_in_the_database, "the first claim never waited")
        go.set()
        await until(lambda: in_flight.waiting == 1, "no one waits in flight")
    statements = [query for query, _ in await measured]
    return await stuck, outcomes[0], statements


@pytest.mark.parametrize("minutes_later", [0, 15], ids=["same request", "overlapping claim"])
async def test_a_request_behind_one_that_committed_is_refused_without_writing(
    clinic: Clinic, raw_pool: asyncpg.Pool, minutes_later: int
) -> None:
    practice = await open_practice(clinic)
    first, second = await clinic.member("patient"), await clinic.member("patient")
    start = two_days_ahead_at(10)
    won, lost, statements = await first_then_second(
        clinic, raw_pool, practice, first, second, start, start + timedelta(minutes=minutes_later)
    )
    assert not isinstance(won, Exception), won
    assert isinstance(lost, SlotUnavailable), lost
    if minutes_later == 0:
        assert statements == []  # it waited before reading the type and the hours
    else:
        assert statements and [s for s in statements if not s.startswith("SELECT")] == []


async def test_a_claim_behind_one_that_failed_goes_on_and_wins(
    clinic: Clinic, raw_pool: asyncpg.Pool
) -> None:
    practice, elsewhere = await open_practice(clinic), await open_practice(clinic)
    first, second = await clinic.member("patient"), await clinic.member("patient")
    start = two_days_ahead_at(11)
    # The first patient is busy with another doctor then: their claim fails in the database.
    assert (await book(clinic, elsewhere, first, start)).status_code == 201
    failed, won, statements = await first_then_second(
        clinic, raw_pool, practice, first, second, start
    )
    assert isinstance(failed, PatientBusy), failed
    assert not isinstance(won, Exception), won
    assert any(s.startswith("INSERT INTO appointment") for s in statements)
