"""Scheduled work of a booking: reminders before it, the no-show check after it."""

import asyncpg

from hduce.contracts.appointments import AppointmentNoShow
from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.core.events import EventMeta
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.services._followups import FollowUps, NoShowDue, ReminderDue, fact
from hduce.plugins.appointments.store._appointments import (
    UPCOMING,
    AppointmentRow,
    consume_event,
    set_status,
)


class Reminders:
    """Handlers of the events scheduled at booking; each runs at most once per event."""

    def __init__(self, env: Env, followups: FollowUps) -> None:
        self._env = env
        self._followups = followups

    async def remind(self, event: ReminderDue, meta: EventMeta) -> None:
        """Send the reminder if the booking still stands at the same time."""
        async with self._env.transaction() as tx:
            if row := await _still_standing(tx.connection, event, meta):
                await self._followups.messages.send(row, "appointment_reminder")

    async def mark_no_show(self, event: NoShowDue, meta: EventMeta) -> None:
        """Mark the booking no-show if the patient was never checked in."""
        async with self._env.transaction() as tx:
            row = await _still_standing(tx.connection, event, meta)
            if row is None:
                return
            await set_status(tx.connection, row.id, Status.NO_SHOW, changed_by=None)
            if row.scheduled_events:
                await self._followups.cancel(tx.connection, row)
            await self._env.events.publish(fact(AppointmentNoShow, row, marked_by=None))


async def _still_standing(
    connection: asyncpg.Connection, event: ReminderDue | NoShowDue, meta: EventMeta
) -> AppointmentRow | None:
    """Consume the event; the booking if it is still upcoming at the time it was scheduled for."""
    row = await consume_event(connection, event.appointment_id, meta.event_id)
    if row is None or row.status not in UPCOMING or row.starts_at != event.starts_at:
        return None
    return row
