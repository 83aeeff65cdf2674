"""The `AppointmentDesk` contract: the REST API's booking, reads and status changes for others."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from hduce.contracts.appointments import (
    AppointmentFields,
    AppointmentFilter,
    AppointmentView,
    BookingRequest,
    NewTime,
    VisitConfirmation,
    WaitlistEntry,
    WaitlistRequest,
)
from hduce.contracts.appointments import AppointmentStatus as Status
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.core.validation import validated
from hduce.plugins.appointments.errors import InvalidTransition
from hduce.plugins.appointments.schemas import (
    AppointmentCreate,
    AppointmentRead,
    CancelRequest,
    ConfirmRequest,
    NotesUpdate,
    RescheduleRequest,
    WaitlistCreate,
)
from hduce.plugins.appointments.services._access import CLINICIANS
from hduce.plugins.appointments.services._booking import Booking, patient_may_change
from hduce.plugins.appointments.services._lifecycle import STEP_TO, STEPS, Lifecycle
from hduce.plugins.appointments.services._queries import AppointmentQueries, to_read
from hduce.plugins.appointments.services._waitlist import Waitlist
from hduce.plugins.appointments.store import AppointmentRow

FIELDS = AppointmentFields.__struct_fields__
"""What an `AppointmentView` copies of the REST API's `AppointmentRead`."""


@dataclass(frozen=True, eq=False)
class BookingDesk:
    """Each call goes through the same service and checks as its `/api/v1/appointments` route."""

    _booking: Booking
    _queries: AppointmentQueries
    _lifecycle: Lifecycle
    _waitlist: Waitlist

    async def book(self, principal: Principal, request: BookingRequest) -> AppointmentView:
        """Book through `Booking.book` (a taken slot: 409)."""
        data = validated(msgspec.structs.asdict(request), AppointmentCreate)
        return self._view(to_read(await self._booking.book(principal, data)))

    async def get(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentView:
        """One visible appointment (a clinician's read is audited), else 404."""
        return self._view(await self._queries.get(principal, appointment_id))

    async def search(
        self, principal: Principal, query: AppointmentFilter
    ) -> tuple[list[AppointmentView], int]:
        """A page of the caller's visible appointments by start time, and the total."""
        page = await self._queries.page(principal, query)
        return [self._view(item) for item in page.items], page.total

    async def cancel(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        reason: str,
        *,
        unchanged_since: datetime | None = None,
    ) -> AppointmentView:
        """Cancel through `Lifecycle.cancel`, with a reason the REST API would take (else 422)."""
        checked = validated({"reason": reason}, CancelRequest).reason
        row = await self._lifecycle.cancel(principal, appointment_id, checked, unchanged_since)
        return self._view(to_read(row))

    async def check_in(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentView:
        """`change_status` to `checked_in` (staff only)."""
        return await self.change_status(principal, appointment_id, Status.CHECKED_IN)

    async def change_status(
        self,
        principal: Principal,
        appointment_id: uuid.UUID,
        status: Status,
        *,
        unchanged_since: datetime | None = None,
    ) -> AppointmentView:
        """The patient's confirmation, or the `Lifecycle` step to `status` behind its roles."""
        if status == Status.CONFIRMED:
            row = await self._lifecycle.confirm_as_patient(
                principal, appointment_id, unchanged_since
            )
            return self._view(to_read(row))
        if status not in STEP_TO:
            raise InvalidTransition(f"no one sets an appointment's status to {status}")
        step = STEP_TO[status]
        if not principal.has_any_role(*STEPS[step].roles):
            roles = ", ".join(STEPS[step].roles)
            raise Forbidden(f"only staff with one of the roles {roles} set it to {status}")
        row = await self._lifecycle.advance(principal, appointment_id, step, unchanged_since)
        return self._view(to_read(row))

    async def confirmation(self, appointment_id: uuid.UUID, token: str) -> VisitConfirmation:
        """`Lifecycle.confirmable`: what the confirm route would answer, confirming nothing."""
        checked = validated({"token": token}, ConfirmRequest).token
        row = await self._lifecycle.confirmable(appointment_id, checked)
        return await self._confirmation(row, already=row.status == Status.CONFIRMED)

    async def confirm(self, appointment_id: uuid.UUID, token: str) -> VisitConfirmation:
        """`Lifecycle.confirm`, as `POST /appointments/{id}/confirm` (no login)."""
        checked = validated({"token": token}, ConfirmRequest).token
        row, already = await self._lifecycle.confirm(appointment_id, checked)
        return await self._confirmation(row, already=already)

    async def _confirmation(self, row: AppointmentRow, *, already: bool) -> VisitConfirmation:
        read = await self._queries.confirmation(row, already_confirmed=already)
        return VisitConfirmation(**msgspec.structs.asdict(read), practitioner_id=row.practitioner)

    async def notes(self, principal: Principal, appointment_id: uuid.UUID) -> str | None:
        """The notes `GET /appointments/{id}` shows clinicians (the read is audited)."""
        _ensure_clinician(principal)
        read = await self._queries.get(principal, appointment_id)
        return read.notes if isinstance(read.notes, str) else None

    async def set_notes(self, principal: Principal, appointment_id: uuid.UUID, notes: str) -> None:
        """`Lifecycle.update_notes` behind the route's clinicians-only rule and length limit."""
        _ensure_clinician(principal)
        text = validated({"notes": notes}, NotesUpdate).notes
        await self._lifecycle.update_notes(principal, appointment_id, text)

    async def ics(self, principal: Principal, appointment_id: uuid.UUID) -> bytes:
        """`AppointmentQueries.ics` (404 for an appointment the caller may not see)."""
        return await self._queries.ics(principal, appointment_id)

    async def reschedule(
        self, principal: Principal, appointment_id: uuid.UUID, to: NewTime
    ) -> AppointmentView:
        """`Booking.reschedule`, as `POST /appointments/{id}/reschedule`."""
        data = validated(msgspec.structs.asdict(to), RescheduleRequest)
        return self._view(to_read(await self._booking.reschedule(principal, appointment_id, data)))

    async def waitlist(self, principal: Principal) -> list[WaitlistEntry]:
        """`Waitlist.list_entries`, as `GET /appointments/waitlist`."""
        entries: list[WaitlistEntry] = list(await self._waitlist.list_entries(principal))
        return entries

    async def join_waitlist(self, principal: Principal, request: WaitlistRequest) -> WaitlistEntry:
        """`Waitlist.join`, as `POST /appointments/waitlist`."""
        data = validated(msgspec.structs.asdict(request), WaitlistCreate)
        return await self._waitlist.join(principal, data)

    async def claim_offer(self, principal: Principal, entry_id: uuid.UUID) -> AppointmentView:
        """`Waitlist.claim`, as `POST /appointments/waitlist/{id}/claim`."""
        return self._view(to_read(await self._waitlist.claim(principal, entry_id)))

    async def leave_waitlist(self, principal: Principal, entry_id: uuid.UUID) -> None:
        """`Waitlist.leave`, as `DELETE /appointments/waitlist/{id}`."""
        await self._waitlist.leave(principal, entry_id)

    def _view(self, read: AppointmentRead) -> AppointmentView:
        fields: dict[str, Any] = {name: getattr(read, name) for name in FIELDS}
        may_change = patient_may_change(self._booking.config, read.starts_at)
        return AppointmentView(**fields, patient_may_change=may_change)


def _ensure_clinician(principal: Principal) -> None:
    if not principal.has_any_role(*CLINICIANS):
        raise Forbidden("clinical notes are for doctors and nurses")
