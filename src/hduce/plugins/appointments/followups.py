"""What follows a booking change: scheduled reminders and no-show checks, events, messages."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import asyncpg

from hduce.contracts.appointments import AppointmentBooked, AppointmentFact
from hduce.core.events import Event
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.schedules import Schedules
from hduce.plugins.appointments.store import AppointmentRow
from hduce.plugins.appointments.tokens import ConfirmationTokens

FactT = TypeVar("FactT", bound=AppointmentFact)


class ReminderDue(Event, frozen=True):
    """A reminder for the appointment falls due (scheduled at booking)."""

    name = "appointments.reminder_due"
    appointment_id: uuid.UUID
    starts_at: datetime


class NoShowDue(Event, frozen=True):
    """The grace period after the start has passed (scheduled at booking)."""

    name = "appointments.no_show_due"
    appointment_id: uuid.UUID
    starts_at: datetime


class HoldExpired(Event, frozen=True):
    """A slot held for a waiting patient was not claimed in time."""

    name = "appointments.hold_expired"
    appointment_id: uuid.UUID
    entry_id: uuid.UUID


def fact(kind: type[FactT], row: AppointmentRow, **extra: Any) -> FactT:
    """The event `kind` about `row`."""
    return kind(
        appointment_id=row.id,
        patient_id=row.patient,
        practitioner_id=row.practitioner,
        type_id=row.appointment_type,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        **extra,
    )


class FollowUps:
    """Schedules and cancels an appointment's pending events and messages its patient."""

    def __init__(self, env: Env, schedules: Schedules, tokens: ConfirmationTokens) -> None:
        self._env = env
        self._schedules = schedules
        self._tokens = tokens

    async def schedule(self, connection: asyncpg.Connection, row: AppointmentRow) -> None:
        """Schedule the reminders still ahead and the no-show check, and remember their ids."""
        config, now = self._env.config, datetime.now(UTC)
        event_ids = []
        for offset in config.reminder_offsets:
            due = row.starts_at - timedelta(seconds=offset)
            if due > now:
                reminder = ReminderDue(appointment_id=row.id, starts_at=row.starts_at)
                event_ids.append(await self._env.events.publish(reminder, at=due))
        no_show = NoShowDue(appointment_id=row.id, starts_at=row.starts_at)
        grace = row.starts_at + timedelta(seconds=config.no_show_grace)
        event_ids.append(await self._env.events.publish(no_show, at=grace))
        await self.remember(connection, row.id, event_ids)

    async def remember(
        self, connection: asyncpg.Connection, appointment_id: uuid.UUID, event_ids: list[uuid.UUID]
    ) -> None:
        """Store the pending scheduled events of an appointment."""
        await connection.execute(
            "UPDATE appointment SET scheduled_events = $2 WHERE id = $1", appointment_id, event_ids
        )

    async def cancel(self, connection: asyncpg.Connection, row: AppointmentRow) -> None:
        """Withdraw every pending scheduled event of the appointment."""
        for event_id in row.scheduled_events:
            await self._env.events.cancel(event_id)
        await self.remember(connection, row.id, [])

    async def booked(
        self, connection: asyncpg.Connection, row: AppointmentRow, *, booked_by: uuid.UUID
    ) -> None:
        """Schedule follow-ups, publish `appointment.booked` and tell the patient."""
        await self.schedule(connection, row)
        await self._env.events.publish(fact(AppointmentBooked, row, booked_by=booked_by))
        await self.message(row, "appointment_booked", with_confirmation=True)

    async def message(
        self,
        row: AppointmentRow,
        template: str,
        *,
        with_confirmation: bool = False,
        **extra: Any,
    ) -> None:
        """Send `template` to the patient with the appointment's details (and `extra`)."""
        zone = await self._schedules.timezone(row.practitioner)
        local = row.starts_at.astimezone(ZoneInfo(zone))
        data: dict[str, Any] = {
            "appointment_id": str(row.id),
            "type_name": row.type_name,
            "mode": row.mode,
            "practitioner_id": str(row.practitioner),
            "starts_at": row.starts_at.isoformat(),
            "ends_at": row.ends_at.isoformat(),
            "local_start": local.strftime("%Y-%m-%d %H:%M"),
            "timezone": zone,
            **extra,
        }
        if with_confirmation:
            base = self._env.config.public_base_url.rstrip("/")
            data["confirm_token"] = self._tokens.issue(row.id, row.starts_at)
            data["confirm_url"] = f"{base}/api/v1/appointments/{row.id}/confirm"
        await self._env.notify(row.patient, template, data)
