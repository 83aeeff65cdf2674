"""Booking and rescheduling: a slot is won by the database's exclusion constraints, or 409.

Claims of one slot fly one at a time in the process (`ClaimsInFlight`).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.contracts.auth import Accounts
from hduce.core.db import Database
from hduce.core.security import Principal
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.errors import (
    InvalidTransition,
    TooLateToChange,
    an_appointment,
)
from hduce.plugins.appointments.schemas import AppointmentCreate, RescheduleRequest
from hduce.plugins.appointments.services._access import (
    acts_as_patient,
    bookable_patient,
    ensure_visible,
)
from hduce.plugins.appointments.services._audit import AppointmentAudit
from hduce.plugins.appointments.services._claims import ClaimsInFlight
from hduce.plugins.appointments.services._followups import FollowUps
from hduce.plugins.appointments.services._slots import SlotFinder
from hduce.plugins.appointments.services._waitlist import Waitlist
from hduce.plugins.appointments.store import UPCOMING, AppointmentRow, AppointmentStore


@dataclass(frozen=True, eq=False)
class Booking:
    """Books and moves appointments; `in_flight` lets one claim of a slot fly at a time."""

    db: Database
    config: AppointmentsConfig
    store: AppointmentStore
    accounts: Accounts
    slots: SlotFinder
    followups: FollowUps
    waitlist: Waitlist
    in_flight: ClaimsInFlight
    audit: AppointmentAudit

    async def book(self, principal: Principal, data: AppointmentCreate) -> AppointmentRow:
        """Book a free slot for the caller (a patient) or for the patient staff name.

        Requests for one practitioner, type and start fly one at a time (`ClaimsInFlight`).
        """
        patient_id = await bookable_patient(self.accounts, principal, data.patient_id)
        starts_at = data.starts_at.astimezone(UTC)
        async with self.in_flight.request(data.practitioner_id, data.type_id, starts_at):
            return await self._book(principal, data, patient_id, starts_at)

    async def _book(
        self,
        principal: Principal,
        data: AppointmentCreate,
        patient_id: uuid.UUID,
        starts_at: datetime,
    ) -> AppointmentRow:
        kind, zone = await self.slots.ensure_offered(
            principal, data.practitioner_id, data.type_id, starts_at
        )

        visit, appointment_id = kind.visit(starts_at), uuid.uuid4()
        plan = self.followups.plan(appointment_id, starts_at)

        async def claim() -> AppointmentRow:
            row = await self.store.insert(
                visit,
                appointment_id=appointment_id,
                patient_id=patient_id,
                practitioner_id=data.practitioner_id,
                status=Status.BOOKED,
                booked_by=principal.id,
                reason=data.reason,
                scheduled_events=plan.ids,
                lock=(data.practitioner_id, patient_id),
            )
            await self.followups.booked(row, booked_by=principal.id, zone=zone, plan=plan)
            await self.audit.appointment(Status.BOOKED, principal, row)
            return row

        return await self.in_flight.claim(data.practitioner_id, visit, appointment_id, claim)

    async def reschedule(
        self, principal: Principal, appointment_id: uuid.UUID, data: RescheduleRequest
    ) -> AppointmentRow:
        """Move an appointment; the old slot is released only if the new one is won.

        To its own practitioner and start it stays as it is: no event, message or status change.
        """
        before = await self._changeable(principal, await self.store.get(appointment_id))
        practitioner_id = data.practitioner_id or before.practitioner
        starts_at = data.starts_at.astimezone(UTC)
        if (practitioner_id, starts_at) == (before.practitioner, before.starts_at):
            return before
        kind_id = before.appointment_type
        async with self.in_flight.request(practitioner_id, kind_id, starts_at, appointment_id):
            return await self._move(principal, before, practitioner_id, starts_at)

    async def _move(
        self,
        principal: Principal,
        before: AppointmentRow,
        practitioner_id: uuid.UUID,
        starts_at: datetime,
    ) -> AppointmentRow:
        appointment_id = before.id
        kind, zone = await self.slots.ensure_offered(
            principal, practitioner_id, before.appointment_type, starts_at
        )
        visit = kind.visit(starts_at)

        async def move() -> AppointmentRow:
            # The old calendar too: the freed slot may go to someone on the waitlist.
            store = self.store
            calendars = (practitioner_id, before.practitioner, before.patient)
            locked = await store.get_locking(appointment_id, calendars)
            row = await self._changeable(principal, locked)
            plan = self.followups.plan(row.id, starts_at)
            moved = await store.move(row.id, practitioner_id, visit, principal.id, plan.ids)
            await self.followups.rescheduled(
                row, moved, plan, rescheduled_by=principal.id, zone=zone
            )
            await self.waitlist.offer(row)
            await self.audit.appointment("rescheduled", principal, moved)
            return moved

        return await self.in_flight.claim(practitioner_id, visit, appointment_id, move)

    async def _changeable(self, principal: Principal, row: AppointmentRow | None) -> AppointmentRow:
        row = ensure_visible(principal, row)
        if row.status not in UPCOMING:
            raise InvalidTransition(f"{an_appointment(row.status)} cannot be moved")
        ensure_patient_may_change(self.config, principal, row)
        return row


def patient_may_change(config: AppointmentsConfig, starts_at: datetime) -> bool:
    """Whether a visit starting at `starts_at` is still before the patients' notice period."""
    notice = timedelta(seconds=config.patient_cancel_notice)
    return starts_at - datetime.now(UTC) >= notice


def ensure_patient_may_change(
    config: AppointmentsConfig, principal: Principal, row: AppointmentRow
) -> None:
    """Patients change a booking only until the notice period before it; staff any time."""
    if acts_as_patient(principal, row) and not patient_may_change(config, row.starts_at):
        raise TooLateToChange("it is too late to change this appointment online: call the clinic")
