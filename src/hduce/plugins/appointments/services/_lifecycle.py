"""Status changes: confirm, check in, start, complete, no-show, cancel, and clinical notes."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from hduce.contracts.appointments import ANNOUNCING, AppointmentCancelled, AppointmentConfirmed
from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.core.db import Database
from hduce.core.errors import Forbidden
from hduce.core.events import EventBus
from hduce.core.security import Principal
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.errors import (
    InvalidConfirmationToken,
    InvalidTransition,
    an_appointment,
    worded,
)
from hduce.plugins.appointments.services._access import (
    BOOKERS,
    CLINICIANS,
    acts_as_patient,
    lock_visible,
)
from hduce.plugins.appointments.services._audit import AppointmentAudit
from hduce.plugins.appointments.services._booking import ensure_patient_may_change
from hduce.plugins.appointments.services._claims import claiming
from hduce.plugins.appointments.services._followups import FollowUps, fact
from hduce.plugins.appointments.services._schedules import Schedules
from hduce.plugins.appointments.services._tokens import ConfirmationTokens
from hduce.plugins.appointments.services._waitlist import Waitlist
from hduce.plugins.appointments.store import UPCOMING, AppointmentRow, AppointmentStore


class Step(NamedTuple):
    """A staff-driven status change: who, from which statuses, to which status.

    The status's event (`ANNOUNCING[target]`, if it has one) names the actor as `actor_field`.
    """

    roles: tuple[str, ...]
    sources: tuple[Status, ...]
    target: Status
    actor_field: str = ""
    after_start: bool = False
    on_the_day: str = ""
    """If set, the step waits for the visit's local day; the words say what waits ("started")."""


STEPS = {
    "check_in": Step(
        BOOKERS, UPCOMING, Status.CHECKED_IN, "checked_in_by", on_the_day="checked in"
    ),
    "start": Step(CLINICIANS, (Status.CHECKED_IN,), Status.IN_PROGRESS, on_the_day="started"),
    "complete": Step(
        CLINICIANS,
        (Status.CHECKED_IN, Status.IN_PROGRESS),
        Status.COMPLETED,
        "completed_by",
        on_the_day="completed",
    ),
    "no_show": Step(BOOKERS, UPCOMING, Status.NO_SHOW, "marked_by", after_start=True),
}
STEP_TO = {step.target: name for name, step in STEPS.items()}
"""The step reaching each status."""
CONFIRMABLE = (Status.BOOKED, Status.CONFIRMED)
"""Statuses a reminder's confirmation token answers for (`confirmed`: already done)."""


@dataclass(frozen=True, eq=False)
class Lifecycle:
    """Moves appointments through their statuses, publishing an event for each change."""

    db: Database
    config: AppointmentsConfig
    events: EventBus
    store: AppointmentStore
    audit: AppointmentAudit
    followups: FollowUps
    waitlist: Waitlist
    tokens: ConfirmationTokens
    schedules: Schedules

    async def advance(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        step_name: str,
        unchanged_since: datetime | None = None,
    ) -> AppointmentRow:
        """Apply one of `STEPS` (the route's guard, built from `Step.roles`, checked the role).

        `unchanged_since`, here and below: as `lock_visible` takes it (412 if it changed).
        """
        step = STEPS[step_name]
        async with self.db.transaction():
            row = await lock_visible(self.store, principal, appointment_id, unchanged_since)
            if row.status not in step.sources:
                raise InvalidTransition(
                    f"{an_appointment(row.status)} cannot become {worded(step.target)}"
                )
            if step.after_start and row.starts_at > datetime.now(UTC):
                raise InvalidTransition("an appointment that has not started cannot be a no-show")
            if step.on_the_day:
                await self._ensure_its_day(row, step.on_the_day)
            await self.store.set_status(row.id, step.target, changed_by=principal.id)
            if row.scheduled_events:
                await self.followups.withdraw(row, f"the appointment is now {step.target}")
            changed = await self.store.refetch(row.id)
            event = ANNOUNCING.get(step.target)
            if event is not None:
                await self.events.publish(fact(event, changed, **{step.actor_field: principal.id}))
            await self.audit.appointment(step.target, principal, changed)
        return changed

    async def _ensure_its_day(self, row: AppointmentRow, done: str) -> None:
        """409 before the visit's local day (the practitioner's time zone) has begun."""
        zone = await self.schedules.timezone(row.practitioner)
        day = row.starts_at.astimezone(ZoneInfo(zone)).date()
        if datetime.now(ZoneInfo(zone)).date() < day:
            raise InvalidTransition(
                f"too early: a visit is {done} from its day on, {day:%a %d %b %Y} ({zone})"
            )

    async def cancel(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        reason: str,
        unchanged_since: datetime | None = None,
    ) -> AppointmentRow:
        """Cancel (patients until the notice period, staff any time) and offer the slot on."""

        async def withdraw() -> AppointmentRow:
            # The freed slot may be offered on: a claim of time like a booking, in the same order.
            await self.store.lock_calendars_of(appointment_id)
            row = await lock_visible(self.store, principal, appointment_id, unchanged_since)
            patient = acts_as_patient(principal, row)
            allowed = UPCOMING if patient else (*UPCOMING, Status.CHECKED_IN)
            if row.status not in allowed:
                raise InvalidTransition(f"{an_appointment(row.status)} cannot be cancelled")
            ensure_patient_may_change(self.config, principal, row)
            await self.store.set_status(
                row.id, Status.CANCELLED, changed_by=principal.id, cancellation_reason=reason
            )
            await self.followups.withdraw(row, "the appointment was cancelled")
            cancelled = await self.store.refetch(row.id)
            await self.events.publish(
                fact(AppointmentCancelled, cancelled, cancelled_by=principal.id, reason=reason)
            )
            await self.followups.messages.send(
                cancelled, "appointment_cancelled", reason=reason, by_patient=patient
            )
            await self.waitlist.offer(row)
            await self.audit.appointment(Status.CANCELLED, principal, cancelled)
            return cancelled

        return await claiming(self.db, withdraw)

    async def confirmable(
        self, appointment_id: uuid.UUID, token: str, *, lock: bool = False
    ) -> AppointmentRow:
        """The appointment a reminder's token is for: `booked`, or `confirmed` already.

        Only for the time the token was sent for; any other status or time is a 400.
        """
        starts_at = self.tokens.verify(token, appointment_id)
        row = await self.store.get(appointment_id, lock=lock)
        same_time = row is not None and int(row.starts_at.timestamp()) == int(starts_at.timestamp())
        if row is None or not same_time or row.status not in CONFIRMABLE:
            raise InvalidConfirmationToken("this confirmation link is no longer valid")
        return row

    async def confirm(self, appointment_id: uuid.UUID, token: str) -> tuple[AppointmentRow, bool]:
        """Confirm with the token from a reminder (only for the time it was sent for).

        The row and whether it was confirmed already: a later reminder's link, or the same one
        again, changes nothing and says so.
        """
        async with self.db.transaction():
            row = await self.confirmable(appointment_id, token, lock=True)
            if row.status == Status.CONFIRMED:
                return row, True
            return await self._confirmed(row), False

    async def confirm_as_patient(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        unchanged_since: datetime | None = None,
    ) -> AppointmentRow:
        """The signed-in patient confirms, as with the reminder's link (others: 403)."""
        async with self.db.transaction():
            row = await lock_visible(self.store, principal, appointment_id, unchanged_since)
            if principal.id != row.patient:
                raise Forbidden("only the patient confirms an appointment")
            if row.status != Status.BOOKED:
                raise InvalidTransition(f"{an_appointment(row.status)} cannot become confirmed")
            return await self._confirmed(row)

    async def _confirmed(self, row: AppointmentRow) -> AppointmentRow:
        """Mark the locked `booked` row confirmed by its patient and tell the world."""
        await self.store.set_status(row.id, Status.CONFIRMED, changed_by=row.patient)
        confirmed = await self.store.refetch(row.id)
        await self.events.publish(fact(AppointmentConfirmed, confirmed))
        return confirmed

    async def update_notes(
        self, principal: Principal, appointment_id: uuid.UUID, notes: str
    ) -> AppointmentRow:
        """Replace the clinician's notes (clinicians only; audited)."""
        async with self.db.transaction():
            row = await lock_visible(self.store, principal, appointment_id)
            await self.store.set_notes(row.id, notes)
            await self.audit.appointment("notes_updated", principal, row)
            return await self.store.refetch(row.id)
