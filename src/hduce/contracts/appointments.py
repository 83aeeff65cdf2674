"""Appointment facts other plugins may react to (past-tense events) and the status vocabulary."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol

import msgspec

from hduce.core.events import Event
from hduce.core.security import Principal


class AppointmentStatus(StrEnum):
    """Where an appointment stands; `held` is a waitlist offer not yet claimed."""

    HELD = "held"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class AppointmentFact(Event, frozen=True):
    """What every appointment event carries."""

    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


class AppointmentBooked(AppointmentFact, frozen=True):
    """An appointment was booked (by the patient or by staff for them)."""

    name = "appointment.booked"
    booked_by: uuid.UUID


class AppointmentConfirmed(AppointmentFact, frozen=True):
    """The patient confirmed they will come."""

    name = "appointment.confirmed"


class AppointmentCancelled(AppointmentFact, frozen=True):
    """An appointment was cancelled; its slot is free again."""

    name = "appointment.cancelled"
    cancelled_by: uuid.UUID
    reason: str


class AppointmentRescheduled(AppointmentFact, frozen=True):
    """An appointment moved; the previous slot is free again."""

    name = "appointment.rescheduled"
    previous_practitioner_id: uuid.UUID
    previous_starts_at: datetime
    previous_ends_at: datetime
    rescheduled_by: uuid.UUID


class AppointmentCheckedIn(AppointmentFact, frozen=True):
    """The patient arrived and was checked in."""

    name = "appointment.checked_in"
    checked_in_by: uuid.UUID


class AppointmentCompleted(AppointmentFact, frozen=True):
    """The consultation ended."""

    name = "appointment.completed"
    completed_by: uuid.UUID


class AppointmentNoShow(AppointmentFact, frozen=True):
    """The patient did not come; `marked_by` is None when marked automatically."""

    name = "appointment.no_show"
    marked_by: uuid.UUID | None = None


class AppointmentTypeRenamed(Event, frozen=True):
    """An appointment type got a new name (its appointments show it from now on)."""

    name = "appointment.type_renamed"
    type_id: uuid.UUID
    type_name: str


class AppointmentSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What other plugins may show of an appointment (no clinical notes)."""

    id: uuid.UUID
    patient_id: uuid.UUID
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    type_name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    reason: str | None
    timezone: str
    """The practitioner's time zone."""
    local_start: str
    """The start as people read it, in that zone, e.g. `Mon 23 Nov 2026, 09:00 (Europe/Paris)`."""
    updated_at: datetime


class AppointmentReader(Protocol):
    """Bulk reads of appointments for read models such as search (provided by appointments)."""

    async def summaries(self, ids: Sequence[uuid.UUID]) -> list[AppointmentSummary]:
        """The appointments among `ids` that exist, in no particular order."""

    async def summaries_page(
        self, *, after: uuid.UUID | None, limit: int
    ) -> list[AppointmentSummary]:
        """Up to `limit` appointments with an id above `after`, by id (for a full rebuild)."""


class AppointmentView(msgspec.Struct, frozen=True, kw_only=True):
    """An appointment as the caller of `AppointmentDesk` may see it (no clinical notes)."""

    id: uuid.UUID
    patient_id: uuid.UUID
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    type_name: str
    status: AppointmentStatus
    starts_at: datetime
    ends_at: datetime
    reason: str | None = None
    cancellation_reason: str | None = None
    created_at: datetime
    updated_at: datetime


class AppointmentFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which appointments to list: each given filter must match; overlapping `[start, end)`."""

    patient_id: uuid.UUID | None = None
    practitioner_id: uuid.UUID | None = None
    statuses: frozenset[AppointmentStatus] | None = None
    start: datetime | None = None
    end: datetime | None = None
    updated_from: datetime | None = None
    """Only appointments last changed at or after this instant."""
    updated_before: datetime | None = None
    """Only appointments last changed before this instant."""
    limit: int = 20
    offset: int = 0


class WaitlistEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A patient waiting for a slot; `offered_appointment_id` is the slot held for them."""

    id: uuid.UUID
    patient_id: uuid.UUID
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    from_date: date
    to_date: date
    status: str
    """`waiting`, `offered`, `booked`, `left` or `lapsed`."""
    offered_appointment_id: uuid.UUID | None
    offer_expires_at: datetime | None
    created_at: datetime


class AppointmentDesk(Protocol):
    """Book, read, list and cancel with exactly the REST API's rules (provided by appointments).

    For other front ends (FHIR): every call checks the caller's roles and ownership, audits
    like the REST API, and books through the same service (the EXCLUDE constraints decide).
    """

    async def book(
        self,
        principal: Principal,
        *,
        patient_id: uuid.UUID | None,
        practitioner_id: uuid.UUID,
        type_id: uuid.UUID,
        starts_at: datetime,
        reason: str | None,
    ) -> AppointmentView:
        """Book a slot; a taken one raises the 409 `SlotUnavailable`."""

    async def get(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentView:
        """One appointment the caller may see, else 404."""

    async def search(
        self, principal: Principal, query: AppointmentFilter
    ) -> tuple[list[AppointmentView], int]:
        """The caller's visible appointments matching `query`, by start; and the total."""

    async def cancel(
        self, principal: Principal, appointment_id: uuid.UUID, reason: str
    ) -> AppointmentView:
        """Cancel with a reason (patients until the notice period, staff any time)."""

    async def check_in(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentView:
        """The patient has arrived (staff only, else 403)."""

    async def change_status(
        self, principal: Principal, appointment_id: uuid.UUID, status: AppointmentStatus
    ) -> AppointmentView:
        """Move to `status` as the REST API would, else 403 (role), 409 (from here) or 404.

        `confirmed`: the patient only (as the reminder's link); `checked_in` and `no_show` (once
        the start has passed): staff; `in_progress` and `completed`: doctors and nurses.
        """

    async def notes(self, principal: Principal, appointment_id: uuid.UUID) -> str | None:
        """A visible visit's clinical notes (doctors, nurses; audited), else 403 or 404."""

    async def set_notes(self, principal: Principal, appointment_id: uuid.UUID, notes: str) -> None:
        """Replace the clinical notes (doctors, nurses; at most 10,000 characters; audited)."""

    async def ics(self, principal: Principal, appointment_id: uuid.UUID) -> bytes:
        """One visible appointment as an iCalendar file, else 404."""

    async def reschedule(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        *,
        starts_at: datetime,
        practitioner_id: uuid.UUID | None = None,
    ) -> AppointmentView:
        """Move a visit to a free start (patients until the notice period); taken: 409."""

    async def waitlist(self, principal: Principal) -> list[WaitlistEntry]:
        """Live entries for the front desk; one's own otherwise."""

    async def join_waitlist(
        self,
        principal: Principal,
        *,
        patient_id: uuid.UUID | None,
        practitioner_id: uuid.UUID,
        type_id: uuid.UUID,
        from_date: date,
        to_date: date,
    ) -> WaitlistEntry:
        """Wait for a slot with a practitioner between two local dates (patients: themselves)."""

    async def claim_offer(self, principal: Principal, entry_id: uuid.UUID) -> AppointmentView:
        """Book the slot held for an entry before the hold runs out (else 409)."""

    async def leave_waitlist(self, principal: Principal, entry_id: uuid.UUID) -> None:
        """Leave the waitlist; a slot on offer passes to the next patient."""


class OfferedType(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of visit and the practitioners who offer it."""

    id: uuid.UUID
    name: str
    duration_minutes: int
    mode: str
    active: bool
    practitioner_ids: tuple[uuid.UUID, ...]
    updated_at: datetime


class WeeklyWindow(msgspec.Struct, frozen=True):
    """Opening hours on one weekday (0 is Monday), in the practitioner's local time."""

    weekday: int
    start: time
    end: time


class PractitionerHours(msgspec.Struct, frozen=True, kw_only=True):
    """A practitioner's time zone and weekly hours, and when they last changed."""

    practitioner_id: uuid.UUID
    timezone: str
    weekly: tuple[WeeklyWindow, ...]
    updated_at: datetime


class SlotTime(msgspec.Struct, frozen=True, kw_only=True):
    """A bookable (`free`) or booked time of one type with one practitioner."""

    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    free: bool


class SlotBoard(Protocol):
    """What can be booked, with the REST API's rules (provided by appointments)."""

    async def types(self) -> list[OfferedType]:
        """Every appointment type with its practitioners, by name (anyone signed in)."""

    async def hours(self, practitioner_ids: Sequence[uuid.UUID] | None) -> list[PractitionerHours]:
        """The hours of the practitioners among `practitioner_ids` (None: all) who set any."""

    async def slots(
        self,
        principal: Principal,
        *,
        practitioner_id: uuid.UUID,
        type_id: uuid.UUID,
        start: datetime,
        end: datetime,
    ) -> list[SlotTime]:
        """Free and (for staff only) booked times of a type in `[start, end)`, by start.

        The free ones are what `GET /appointments/slots` gives the caller; 422 on a bad range,
        type or practitioner.
        """


class HoursException(msgspec.Struct, frozen=True, kw_only=True):
    """Time off (no times: the whole day) or extra hours on one local date."""

    id: uuid.UUID
    on_date: date
    kind: str
    """`time_off` or `extra_hours`."""
    start: time | None
    end: time | None
    reason: str | None


class ClinicSetup(Protocol):
    """Appointment types and practitioners' hours with the REST API's rules and checks.

    Types are for admins; hours for the practitioner, receptionists and admins (else 403);
    values the API would refuse raise its 422 (provided by appointments).
    """

    async def save_type(
        self,
        principal: Principal,
        type_id: uuid.UUID | None,
        *,
        name: str,
        duration_minutes: int,
        practitioner_ids: Sequence[uuid.UUID],
        active: bool,
    ) -> uuid.UUID:
        """Create a type (`type_id` None) or change one; returns its id."""

    async def set_hours(
        self,
        principal: Principal,
        practitioner_id: uuid.UUID,
        *,
        timezone: str,
        weekly: Sequence[WeeklyWindow],
    ) -> None:
        """Replace the practitioner's time zone and every weekly window."""

    async def exceptions(self, practitioner_id: uuid.UUID) -> list[HoursException]:
        """The practitioner's exceptions from today (local) on, by date."""

    async def add_exception(
        self,
        principal: Principal,
        practitioner_id: uuid.UUID,
        *,
        on_date: date,
        kind: str,
        start: time | None,
        end: time | None,
        reason: str | None,
    ) -> None:
        """Record time off or extra hours on one date."""

    async def delete_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, exception_id: uuid.UUID
    ) -> None:
        """Remove one exception (404 if it is not the practitioner's)."""
