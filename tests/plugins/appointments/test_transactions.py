"""Every statement of the appointments services joins the caller's transaction (issue 13).

Inside a transaction that rolls back, a read sees the transaction's own writes and afterwards
nothing is left behind; a statement on the raw pool would run (and commit) outside it.
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import pytest

from hduce.core.security import Principal
from hduce.plugins.appointments import AppointmentsPlugin
from hduce.plugins.appointments.schemas import ExceptionCreate, WaitlistCreate
from tests.plugins.appointments.helpers import open_practice
from tests.plugins.users.clinic import Clinic, Member


class RolledBack(Exception):
    """Ends the test transaction with a ROLLBACK."""


def principal(member: Member) -> Principal:
    """The principal of a test member."""
    return Principal(id=member.id, roles=frozenset(member.roles))


async def rolled_back(
    clinic: Clinic, write: Callable[[], Awaitable[object]], read: Callable[[], Awaitable[int]]
) -> tuple[int, int]:
    """How many rows `read` counts after `write` inside a transaction, and after its rollback."""

    async def run() -> tuple[int, int]:
        with pytest.raises(RolledBack):
            async with clinic.context.db.transaction():
                await write()
                inside = await read()
                raise RolledBack
        return inside, await read()

    return await clinic.in_app(run)


async def test_feeds_exceptions_and_waitlist_entries_join_the_transaction(clinic: Clinic) -> None:
    practice = await open_practice(clinic)
    patient = await clinic.member("patient")
    doctor, services = (
        principal(practice.doctor),
        clinic.client.app.plugins.get(AppointmentsPlugin).services,
    )
    day = date.today() + timedelta(days=7)

    async def feeds() -> int:
        return len(await services.feeds.list_feeds(doctor))

    assert await rolled_back(clinic, lambda: services.feeds.create(doctor, "x"), feeds) == (1, 0)

    async def exceptions() -> int:
        return len((await services.schedules.read(doctor.id)).exceptions)

    time_off = ExceptionCreate(on_date=day, kind="time_off")
    add = services.schedules.add_exception
    assert await rolled_back(clinic, lambda: add(doctor, doctor.id, time_off), exceptions) == (1, 0)

    async def entries() -> int:
        return len(await services.waitlist.list_entries(principal(patient)))

    wait = WaitlistCreate(
        practitioner_id=practice.doctor.id,
        type_id=uuid.UUID(practice.type_id),
        from_date=day,
        to_date=day,
    )
    join = services.waitlist.join
    assert await rolled_back(clinic, lambda: join(principal(patient), wait), entries) == (1, 0)
