"""The appointments plugin's event subscriptions: its scheduled reminders, no-shows, holds.

And deactivated accounts, whose waitlist offers are withdrawn.
"""

from hduce.contracts.auth import UserStatusChanged
from hduce.core.events import EventBus
from hduce.plugins.appointments.services import (
    AppointmentServices,
    HoldExpired,
    NoShowDue,
    ReminderDue,
)


def subscribe(events: EventBus, services: AppointmentServices) -> None:
    """Handle the events a booking schedules (each runs as a task in the worker)."""
    reminders = services.reminders
    events.subscribe(ReminderDue, reminders.remind, task_name="appointments.remind")
    events.subscribe(NoShowDue, reminders.mark_no_show, task_name="appointments.mark_no_show")
    events.subscribe(
        HoldExpired, services.waitlist.expire_hold, task_name="appointments.expire_hold"
    )
    events.subscribe(
        UserStatusChanged,
        services.waitlist.account_status_changed,
        task_name="appointments.withdraw_offers",
    )
