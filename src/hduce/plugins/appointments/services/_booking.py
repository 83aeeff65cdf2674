"""Booking and rescheduling: a slot is won by the database's exclusion constraints, or 409."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from hduce.contracts.appointments import AppointmentRescheduled
from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.core.security import Principal
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.errors import InvalidTransition, TooLateToChange
from hduce.plugins.appointments.schemas import AppointmentCreate, RescheduleRequest
from hduce.plugins.appointments.services._access import acts_as_patient, ensure_visible, patient_for
from hduce.plugins.appointments.services._claims import claiming, lock_calendars
from hduce.plugins.appointments.services._followups import FollowUps, fact
from hduce.plugins.appointments.services._slots import SlotFinder
from hduce.plugins.appointments.services._types import AppointmentTypes
from hduce.plugins.appointments.services._waitlist import Waitlist
from hduce.plugins.appointments.store._appointments import (
    UPCOMING,
    AppointmentRow,
    fetch_one,
    insert,
    refetch,
)

MOVE = """
UPDATE appointment SET practitioner = $2, starts_at = $3, ends_at = $4, blocked_from = $5,
       blocked_until = $6, status = 'booked', changed_by = $7, updated_at = now()
WHERE id = $1
"""


class Booking:
    """Books and moves appointments."""

    def __init__(
        self,
        env: Env,
        types: AppointmentTypes,
        slots: SlotFinder,
        followups: FollowUps,
        waitlist: Waitlist,
    ) -> None:
        self._env = env
        self._types = types
        self._slots = slots
        self._followups = followups
        self._waitlist = waitlist

    async def book(self, principal: Principal, data: AppointmentCreate) -> AppointmentRow:
        """Book a free slot for the caller (a patient) or for the patient staff name."""
        patient_id = patient_for(principal, data.patient_id)
        if patient_id != principal.id:
            await self._env.require_patient(patient_id)
        kind = await self._types.offered(data.type_id, data.practitioner_id)
        starts_at = data.starts_at.astimezone(UTC)
        zone = await self._slots.ensure_offered(
            principal, data.practitioner_id, kind.spec, starts_at
        )

        async def claim(connection: asyncpg.Connection) -> AppointmentRow:
            row = await insert(
                connection,
                appointment_id=uuid.uuid4(),
                patient_id=patient_id,
                practitioner_id=data.practitioner_id,
                kind=kind,
                starts_at=starts_at,
                status=Status.BOOKED,
                booked_by=principal.id,
                reason=data.reason,
                lock=(data.practitioner_id, patient_id),
            )
            await self._followups.booked(connection, row, booked_by=principal.id, zone=zone)
            return row

        return await claiming(self._env, claim)

    async def reschedule(
        self, principal: Principal, appointment_id: uuid.UUID, data: RescheduleRequest
    ) -> AppointmentRow:
        """Move an appointment; the old slot is released only if the new one is won."""
        before = await self._changeable(principal, await self._read(appointment_id))
        practitioner_id = data.practitioner_id or before.practitioner
        kind = await self._types.offered(before.appointment_type, practitioner_id)
        starts_at = data.starts_at.astimezone(UTC)
        zone = await self._slots.ensure_offered(principal, practitioner_id, kind.spec, starts_at)
        blocked_from, blocked_until = kind.spec.blocked(starts_at)

        async def move(connection: asyncpg.Connection) -> AppointmentRow:
            # The old calendar too: the freed slot may go to someone on the waitlist.
            await lock_calendars(connection, practitioner_id, before.practitioner, before.patient)
            row = await self._changeable(
                principal, await fetch_one(connection, appointment_id, lock=True)
            )
            await connection.execute(
                MOVE,
                row.id,
                practitioner_id,
                starts_at,
                starts_at + kind.spec.duration,
                blocked_from,
                blocked_until,
                principal.id,
            )
            await self._followups.cancel(connection, row)
            moved = await refetch(connection, row.id)
            rescheduled = fact(
                AppointmentRescheduled,
                moved,
                previous_practitioner_id=row.practitioner,
                previous_starts_at=row.starts_at,
                previous_ends_at=row.ends_at,
                rescheduled_by=principal.id,
            )
            await self._followups.schedule(connection, moved, rescheduled)
            await self._followups.messages.send(
                moved, "appointment_rescheduled", zone=zone, previous_starts_at=row.starts_at
            )
            await self._waitlist.offer(connection, row)
            return moved

        return await claiming(self._env, move)

    async def _changeable(self, principal: Principal, row: AppointmentRow | None) -> AppointmentRow:
        row = ensure_visible(principal, row)
        if row.status not in UPCOMING:
            raise InvalidTransition(f"a {row.status} appointment cannot be moved")
        ensure_patient_may_change(self._env, principal, row)
        return row

    async def _read(self, appointment_id: uuid.UUID) -> AppointmentRow | None:
        async with self._env.context.db.shared_pool.acquire() as connection:
            return await fetch_one(connection, appointment_id)


def ensure_patient_may_change(env: Env, principal: Principal, row: AppointmentRow) -> None:
    """Patients change a booking only until the notice period before it; staff any time."""
    if not acts_as_patient(principal, row):
        return
    notice = timedelta(seconds=env.config.patient_cancel_notice)
    if row.starts_at - datetime.now(UTC) < notice:
        raise TooLateToChange("it is too late to change this appointment online: call the clinic")
