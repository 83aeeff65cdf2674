"""What follows a booking change: scheduled reminders and no-show checks, events, messages."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from hduce.contracts.appointments import (
    AppointmentBooked,
    AppointmentFact,
    AppointmentRescheduled,
)
from hduce.core.events import Event, EventBus
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.services._messages import PatientMessages
from hduce.plugins.appointments.store import AppointmentRow, AppointmentStore

FactT = TypeVar("FactT", bound=AppointmentFact)


class VisitDue(Event, frozen=True):
    """A check scheduled at booking, due only while the visit still starts at `starts_at`."""

    appointment_id: uuid.UUID
    starts_at: datetime


class ReminderDue(VisitDue, frozen=True):
    """A reminder for the appointment falls due."""

    name = "appointments.reminder_due"


class NoShowDue(VisitDue, frozen=True):
    """The grace period after the start has passed."""

    name = "appointments.no_show_due"


class HoldExpired(Event, frozen=True):
    """A slot held for a waiting patient was not claimed in time."""

    name = "appointments.hold_expired"
    appointment_id: uuid.UUID
    entry_id: uuid.UUID


class FollowUpPlan(NamedTuple):
    """An appointment's scheduled events (event, due time) and their ids, chosen up front."""

    events: list[tuple[Event, datetime | None]]
    ids: list[uuid.UUID]


def fact(kind: type[FactT], row: AppointmentRow, **extra: Any) -> FactT:
    """The event `kind` about `row`."""
    return kind(
        appointment_id=row.id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        **row.references(),
        **extra,
    )


@dataclass(frozen=True, eq=False)
class FollowUps:
    """Schedules and cancels an appointment's pending events; `messages` reaches its patient."""

    config: AppointmentsConfig
    events: EventBus
    store: AppointmentStore
    messages: PatientMessages

    def plan(self, appointment_id: uuid.UUID, starts_at: datetime) -> FollowUpPlan:
        """The reminders still ahead and the no-show check of an appointment, with new ids."""
        config, moment = self.config, datetime.now(UTC)
        scheduled: list[tuple[Event, datetime | None]] = []
        for offset in config.reminder_offsets:
            due = starts_at - timedelta(seconds=offset)
            if due > moment:
                reminder = ReminderDue(appointment_id=appointment_id, starts_at=starts_at)
                scheduled.append((reminder, due))
        grace = starts_at + timedelta(seconds=config.no_show_grace)
        scheduled.append((NoShowDue(appointment_id=appointment_id, starts_at=starts_at), grace))
        return FollowUpPlan(scheduled, [uuid.uuid4() for _ in scheduled])

    async def schedule(self, row: AppointmentRow, *now: Event) -> None:
        """Schedule the reminders still ahead and the no-show check, remember their ids.

        The facts in `now` are published in the same statement.
        """
        plan = self.plan(row.id, row.starts_at)
        await self._publish(plan, now)
        await self.store.remember_events(row.id, plan.ids)

    async def cancel(self, row: AppointmentRow) -> None:
        """Withdraw every pending scheduled event of the appointment (one statement)."""
        await self.events.cancel_many(row.scheduled_events)
        await self.store.remember_events(row.id, [])

    async def withdraw(self, row: AppointmentRow, why: str) -> None:
        """`cancel`, and take back the reminders queued but not sent yet, saying `why`."""
        await self.cancel(row)
        await self.messages.withdraw_reminders(row.id, why)

    async def rescheduled(
        self,
        before: AppointmentRow,
        moved: AppointmentRow,
        plan: FollowUpPlan,
        *,
        rescheduled_by: uuid.UUID,
        zone: str,
    ) -> None:
        """Replace the follow-ups, publish `appointment.rescheduled`, tell the patient.

        `plan` holds the follow-ups whose ids `moved` was written with.
        """
        await self.events.cancel_many(before.scheduled_events)
        await self.messages.withdraw_reminders(before.id, "the appointment was rescheduled")
        rescheduled = fact(
            AppointmentRescheduled,
            moved,
            previous_practitioner_id=before.practitioner,
            previous_starts_at=before.starts_at,
            previous_ends_at=before.ends_at,
            rescheduled_by=rescheduled_by,
        )
        async with self.events.batched():  # the message's deliveries too: one statement
            await self._publish(plan, (rescheduled,))
            await self.messages.send(
                moved, "appointment_rescheduled", zone=zone, previous_starts_at=before.starts_at
            )

    async def booked(
        self,
        row: AppointmentRow,
        *,
        booked_by: uuid.UUID,
        zone: str | None = None,
        plan: FollowUpPlan | None = None,
    ) -> None:
        """Schedule follow-ups, publish `appointment.booked` and tell the patient.

        `zone` is the practitioner's time zone when the caller has already read it; `plan` the
        follow-ups whose ids the row was written with (None: planned and remembered here).
        """
        booked = fact(AppointmentBooked, row, booked_by=booked_by)
        async with self.events.batched():  # the message's deliveries too: one statement
            if plan is None:
                await self.schedule(row, booked)
            else:
                await self._publish(plan, (booked,))
            await self.messages.send(row, "appointment_booked", zone=zone)

    async def _publish(self, plan: FollowUpPlan, now: tuple[Event, ...]) -> None:
        await self.events.publish_many([*plan.events, *((e, None) for e in now)], ids=plan.ids)
