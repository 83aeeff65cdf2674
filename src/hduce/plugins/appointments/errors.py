"""Errors of the appointments plugin, each with its HTTP status and problem slug."""

from hduce.core.errors import Conflict, HduceError, InvalidRequest


class SlotUnavailable(Conflict):
    """Someone else holds the slot (or part of its buffer time): choose another."""

    slug, title = "slot-unavailable", "Slot unavailable"


class PatientBusy(Conflict):
    """The patient already has an appointment at an overlapping time."""

    slug, title = "patient-busy", "Patient has an overlapping appointment"


class SlotNotOffered(HduceError):
    """The time is outside the practitioner's hours, the notice period or the booking horizon."""

    status_code, slug, title = 422, "slot-not-offered", "Slot not offered"


class InvalidTransition(Conflict):
    """The appointment's current status does not allow this change."""

    slug, title = "invalid-transition", "Invalid status change"


def worded(status: str) -> str:
    """A status as people write it: `in_progress` is "in-progress"."""
    return status.replace("_", "-")


def an_appointment(status: str) -> str:
    """The status with its article and noun, e.g. "an in-progress appointment"."""
    word = worded(status)
    return f"{'an' if word[:1] in set('aeiou') else 'a'} {word} appointment"


class TooLateToChange(Conflict):
    """Patients cannot cancel or reschedule this close to the start; the clinic can."""

    slug, title = "too-late-to-change", "Too late to change"


class AlreadyWaiting(Conflict):
    """The patient already waits for this practitioner, type and dates (the detail names it)."""

    slug, title = "already-waiting", "Already on the waitlist"


class InvalidConfirmationToken(HduceError):
    """The confirmation token is forged, expired, already used or for another booking."""

    status_code, slug, title = 400, "invalid-token", "Invalid or expired token"


class CalendarBusy(HduceError):
    """PostgreSQL aborted the change twice to break a lock cycle: nothing was booked, retry."""

    status_code, slug, title = 503, "calendar-busy", "Calendar busy"


class ChangedMeanwhile(HduceError):
    """The appointment changed since the version the caller's change was made on (412)."""

    status_code, slug, title = 412, "changed-meanwhile", "Changed meanwhile"


__all__ = [
    "AlreadyWaiting",
    "CalendarBusy",
    "ChangedMeanwhile",
    "InvalidConfirmationToken",
    "InvalidRequest",
    "InvalidTransition",
    "PatientBusy",
    "SlotNotOffered",
    "SlotUnavailable",
    "TooLateToChange",
]
