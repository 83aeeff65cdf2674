"""Settings of the appointments plugin (`[plugins.appointments]`)."""

from hduce.core.config import Duration, Positive, PositiveDuration, Section


class AppointmentsConfig(Section):
    """Slot grid, booking window, cancellation rules, reminders, no-shows and waitlist holds."""

    slot_interval: PositiveDuration = PositiveDuration(15 * 60)
    """Distance between the start times offered, from each opening's start: the only bookable."""
    min_notice: Duration = Duration(3600)
    """How far ahead of its start a slot can still be booked by a patient (0: up to the start)."""
    staff_min_notice: Duration = Duration(0)
    """The same for staff booking for a patient (0: up to the start, e.g. a walk-in)."""
    horizon: PositiveDuration = PositiveDuration(90 * 86400)
    """How far into the future slots can be booked."""
    exception_horizon: PositiveDuration = PositiveDuration(730 * 86400)
    """How far ahead time off and extra hours can be recorded (from today, in the practitioner's
    time zone); `horizon` if that is longer, so every bookable day can be taken off."""
    max_search_range: PositiveDuration = PositiveDuration(62 * 86400)
    """Longest `start`..`end` range of one free-slot search."""
    patient_cancel_notice: Duration = Duration(24 * 3600)
    """Patients may cancel or reschedule until this long before the start (0: up to the start;
    staff any time)."""
    no_show_grace: PositiveDuration = PositiveDuration(15 * 60)
    """A booking never checked in is marked no-show this long after its start."""
    reminder_offsets: tuple[PositiveDuration, ...] = (
        PositiveDuration(24 * 3600),
        PositiveDuration(2 * 3600),
    )
    """When reminders go out, before the start."""
    waitlist_hold: PositiveDuration = PositiveDuration(15 * 60)
    """How long a freed slot is held for the waiting patient it was offered to."""
    max_page_size: Positive = 100
    """Largest page of `GET /api/v1/appointments`."""
    confirm_url: str = "{public_url}/appointments/{appointment_id}/confirm?token={token}"
    """The confirmation link in messages; `{public_url}` is `server.public_url`."""
    claim_url: str = "{public_url}/appointments/waitlist/{entry_id}/claim"
    """The link in waitlist offers to claim the held slot."""
