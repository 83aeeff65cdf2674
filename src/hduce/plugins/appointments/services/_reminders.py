"""Scheduled work of a booking: reminders before it, the no-show check after it."""

from dataclasses import dataclass

from hduce.contracts.appointments import AppointmentNoShow
from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.core.db import Database
from hduce.core.events import EventBus, EventMeta
from hduce.plugins.appointments.services._followups import (
    FollowUps,
    NoShowDue,
    ReminderDue,
    VisitDue,
    fact,
)
from hduce.plugins.appointments.store import UPCOMING, AppointmentRow, AppointmentStore


@dataclass(frozen=True, eq=False)
class Reminders:
    """Handlers of the events scheduled at booking; each runs at most once per event."""

    db: Database
    events: EventBus
    store: AppointmentStore
    followups: FollowUps

    async def remind(self, event: ReminderDue, meta: EventMeta) -> None:
        """Send the reminder if the booking still stands at the same time."""
        async with self.db.transaction():
            if row := await self._still_standing(event, meta):
                await self.followups.messages.remind(row)

    async def mark_no_show(self, event: NoShowDue, meta: EventMeta) -> None:
        """Mark the booking no-show if the patient was never checked in."""
        async with self.db.transaction():
            row = await self._still_standing(event, meta)
            if row is None:
                return
            await self.store.set_status(row.id, Status.NO_SHOW, changed_by=None)
            if row.scheduled_events:
                await self.followups.cancel(row)
            await self.events.publish(fact(AppointmentNoShow, row, marked_by=None))

    async def _still_standing(self, event: VisitDue, meta: EventMeta) -> AppointmentRow | None:
        """Consume the event; the booking if it still stands at the time it was scheduled for."""
        row = await self.store.consume_event(event.appointment_id, meta.event_id)
        if row is None or row.status not in UPCOMING or row.starts_at != event.starts_at:
            return None
        return row
