"""Reading, booking and moving appointments with the REST API's rules (provided by appointments)."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

import msgspec

from hduce.contracts.appointments._events import (
    AppointmentStatus,
)
from hduce.contracts.auth import Role
from hduce.core.security import Principal

FRONT_DESK_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.RECEPTIONIST})
"""Roles that see every appointment; anyone else sees those naming them as patient or
practitioner (a doctor's or nurse's own schedule), as the REST and FHIR APIs show them."""


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

    async def count(self) -> int:
        """How many appointments `summaries_page` walks through (a rebuild's progress total)."""


class AppointmentFields(msgspec.Struct, frozen=True, kw_only=True):
    """An appointment's own fields, as the REST API and `AppointmentDesk` show them."""

    id: uuid.UUID
    patient_id: uuid.UUID
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    type_name: str
    status: AppointmentStatus
    starts_at: datetime
    ends_at: datetime
    mode: str
    """`in_person` or `remote`."""
    reason: str | None = None
    cancellation_reason: str | None = None
    hold_until: datetime | None = None
    """Until when a waitlist offer holds the slot (status `held`)."""
    created_at: datetime
    updated_at: datetime


class AppointmentView(AppointmentFields, frozen=True, kw_only=True):
    """An appointment as the caller of `AppointmentDesk` may see it (no clinical notes)."""

    patient_may_change: bool
    """Whether its patient may still move or cancel it online: only until the notice period
    (`patient_cancel_notice`) before its start, as the REST API checks (staff: any time)."""


class VisitConfirmation(msgspec.Struct, frozen=True, kw_only=True):
    """What a reminder's confirmation token shows without a login: when and with whom."""

    id: uuid.UUID
    status: AppointmentStatus
    starts_at: datetime
    ends_at: datetime
    practitioner_id: uuid.UUID
    practitioner_name: str
    already_confirmed: bool
    """Confirmed before this request (or, when only shown, confirmed already)."""


class AppointmentFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which appointments to list: each given filter must match; overlapping `[start, end)`."""

    patient_id: uuid.UUID | None = None
    practitioner_id: uuid.UUID | None = None
    statuses: frozenset[AppointmentStatus] | None = None
    start: datetime | None = None
    end: datetime | None = None
    updated_from: datetime | None = None
    """Only appointments last changed at or after this instant (they, or their type: its name
    shows with them)."""
    updated_before: datetime | None = None
    """Only appointments last changed before this instant (the later of theirs and their type's)."""
    limit: int = 20
    offset: int = 0


class BookingRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A slot to book: a practitioner's start for a type; `patient_id` None books for oneself."""

    patient_id: uuid.UUID | None
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    starts_at: datetime
    reason: str | None


class NewTime(msgspec.Struct, frozen=True, kw_only=True):
    """Where a visit moves: a free start, with the same practitioner unless one is named."""

    starts_at: datetime
    practitioner_id: uuid.UUID | None = None


class WaitlistRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A wait for a slot with a practitioner between two local dates (None: for oneself)."""

    patient_id: uuid.UUID | None
    practitioner_id: uuid.UUID
    type_id: uuid.UUID
    from_date: date
    to_date: date


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

    async def book(self, principal: Principal, request: BookingRequest) -> AppointmentView:
        """Book a slot; a taken one raises the 409 `SlotUnavailable`."""

    async def get(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentView:
        """One appointment the caller may see, else 404."""

    async def search(
        self, principal: Principal, query: AppointmentFilter
    ) -> tuple[list[AppointmentView], int]:
        """The caller's visible appointments matching `query`, by start; and the total."""

    async def cancel(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        reason: str,
        *,
        unchanged_since: datetime | None = None,
    ) -> AppointmentView:
        """Cancel with a reason (patients until the notice period, staff any time).

        `unchanged_since`, here and in `change_status`: the `updated_at` the change was made on;
        412 (`changed-meanwhile`) if the appointment changed since, checked under its lock.
        """

    async def check_in(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentView:
        """The patient has arrived (staff only, else 403)."""

    async def change_status(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        status: AppointmentStatus,
        *,
        unchanged_since: datetime | None = None,
    ) -> AppointmentView:
        """Move to `status` as the REST API would, else 403 (role), 409 (from here) or 404.

        `confirmed`: the patient only (as the reminder's link); `checked_in` and `no_show` (once
        the start has passed): staff; `in_progress` and `completed`: doctors and nurses.
        """

    async def confirmation(self, appointment_id: uuid.UUID, token: str) -> VisitConfirmation:
        """The visit a reminder's token would confirm, changing nothing; else 400 (or 422)."""

    async def confirm(self, appointment_id: uuid.UUID, token: str) -> VisitConfirmation:
        """Confirm with a reminder's token, no login, as `POST /appointments/{id}/confirm`."""

    async def notes(self, principal: Principal, appointment_id: uuid.UUID) -> str | None:
        """A visible visit's clinical notes (doctors, nurses; audited), else 403 or 404."""

    async def set_notes(self, principal: Principal, appointment_id: uuid.UUID, notes: str) -> None:
        """Replace the clinical notes (doctors, nurses; at most 10,000 characters; audited)."""

    async def ics(self, principal: Principal, appointment_id: uuid.UUID) -> bytes:
        """One visible appointment as an iCalendar file, else 404."""

    async def reschedule(
        self, principal: Principal, appointment_id: uuid.UUID, to: NewTime
    ) -> AppointmentView:
        """Move a visit to a free start (patients until the notice period); taken: 409."""

    async def waitlist(self, principal: Principal) -> list[WaitlistEntry]:
        """Live entries for the front desk; one's own otherwise."""

    async def join_waitlist(self, principal: Principal, request: WaitlistRequest) -> WaitlistEntry:
        """Wait for a slot with a practitioner between two local dates (patients: themselves)."""

    async def claim_offer(self, principal: Principal, entry_id: uuid.UUID) -> AppointmentView:
        """Book the slot held for an entry before the hold runs out (else 409)."""

    async def leave_waitlist(self, principal: Principal, entry_id: uuid.UUID) -> None:
        """Leave the waitlist; a slot on offer passes to the next patient."""
