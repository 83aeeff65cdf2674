"""API shapes of the appointments plugin: appointments, slots, waitlist and calendar feeds."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from hduce.contracts.appointments import AppointmentFields, AppointmentStatus, WaitlistEntry
from hduce.core.schemas import Input, Read
from hduce.core.text_patterns import not_blank

Reason = Annotated[str, not_blank(min_length=1, max_length=500)]
Notes = Annotated[str, Meta(max_length=10_000)]


def require_instant(value: datetime, field: str) -> None:
    """Reject a date-time without a UTC offset, or one whose UTC time is before year 1."""
    if value.tzinfo is None:
        raise ValueError(f"a UTC offset is required - at `$.{field}`")
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"the date-time is out of range - at `$.{field}`") from None


class AppointmentCreate(Input, kw_only=True):
    """A booking: patients book for themselves; staff name the patient."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime
    patient_id: uuid.UUID | None = None
    reason: Reason | None = None

    def __post_init__(self) -> None:
        """Require an explicit offset on the start."""
        super().__post_init__()
        require_instant(self.starts_at, "starts_at")


class AppointmentRead(AppointmentFields, Read, frozen=False, kw_only=True, omit_defaults=True):
    """An appointment; `notes` only appears for clinicians."""

    notes: str | UnsetType | None = UNSET


class ConfirmationRead(Read, kw_only=True):
    """The answer to a confirmation link (no login): when and with whom, nothing clinical."""

    id: uuid.UUID
    status: AppointmentStatus
    starts_at: datetime
    ends_at: datetime
    practitioner_name: str
    already_confirmed: bool
    """The visit was confirmed before (an earlier click, another reminder): nothing changed."""


class CancelRequest(Input, kw_only=True):
    """Why the appointment is cancelled."""

    reason: Reason


class RescheduleRequest(Input, kw_only=True):
    """The new start (and optionally another practitioner offering the same type)."""

    starts_at: datetime
    practitioner_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        """Require an explicit offset on the start."""
        super().__post_init__()
        require_instant(self.starts_at, "starts_at")


class ConfirmRequest(Input, kw_only=True):
    """The signed token from a reminder."""

    token: Annotated[str, Meta(min_length=1, max_length=500)]


class NotesUpdate(Input, kw_only=True):
    """The clinician's notes (replacing the previous text)."""

    notes: Notes


class SlotRead(Read, kw_only=True):
    """A bookable start, in the practitioner's local time."""

    starts_at: datetime
    ends_at: datetime


class SlotList(Read, kw_only=True):
    """The free slots of one practitioner and type between two instants."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    timezone: str
    slots: list[SlotRead]


class WaitlistCreate(Input, kw_only=True):
    """Wait for a slot with a practitioner between two local dates (inclusive)."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    from_date: date
    to_date: date
    patient_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        """Reject a reversed date range."""
        super().__post_init__()
        if self.to_date < self.from_date:
            raise ValueError("to_date is before from_date - at `$.to_date`")


class WaitlistRead(WaitlistEntry, Read, frozen=False, kw_only=True):
    """A waitlist entry; `offered_appointment_id` is the slot held for the patient, if any."""


class FeedCreate(Input, kw_only=True):
    """A name to tell feeds apart."""

    label: Annotated[str, Meta(max_length=100)] = ""


class FeedRead(Read, kw_only=True, omit_defaults=True):
    """A calendar feed; `url` (with its secret) is shown only when the feed is created."""

    id: uuid.UUID
    practitioner_id: uuid.UUID
    label: str
    created_at: datetime
    url: str | None = None
