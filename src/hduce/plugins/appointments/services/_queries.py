"""Reading appointments: one (with notes for clinicians, audited), pages, and `.ics` files."""

import uuid
from dataclasses import dataclass

import msgspec
from msgspec import UNSET
from msgspec.structs import asdict

from hduce.contracts.appointments import AppointmentFilter, AppointmentStatus
from hduce.contracts.users import UserDirectory
from hduce.core.schemas import Page
from hduce.core.security import Principal
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.errors import InvalidRequest
from hduce.plugins.appointments.schemas import AppointmentRead, ConfirmationRead
from hduce.plugins.appointments.services._access import CLINICIANS, ensure_visible, sees_all
from hduce.plugins.appointments.services._audit import AppointmentAudit
from hduce.plugins.appointments.services._ical import calendar
from hduce.plugins.appointments.services._messages import display_name
from hduce.plugins.appointments.store import AppointmentRow, AppointmentStore

DEFAULT_PAGE_SIZE = 50


def to_read(row: AppointmentRow, *, with_notes: bool = False) -> AppointmentRead:
    """The API view of an appointment; notes only when asked for."""
    notes = row.notes if with_notes else UNSET
    return AppointmentRead.from_row(asdict(row), **row.references(), notes=notes)


@dataclass(frozen=True, eq=False)
class AppointmentQueries:
    """Appointment reads, each limited to what the caller may see."""

    config: AppointmentsConfig
    store: AppointmentStore
    audit: AppointmentAudit
    directory: UserDirectory

    async def confirmation(
        self, row: AppointmentRow, *, already_confirmed: bool
    ) -> ConfirmationRead:
        """What a confirmation link may show without a login: when and with whom."""
        return ConfirmationRead(
            already_confirmed=already_confirmed,
            id=row.id,
            status=AppointmentStatus(row.status),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            practitioner_name=await display_name(self.directory, row.practitioner),
        )

    async def get(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentRead:
        """One appointment; a clinician's read includes the notes and is audited."""
        row = ensure_visible(principal, await self.store.get(appointment_id))
        clinician = principal.has_any_role(*CLINICIANS)
        if clinician:
            await self.audit.appointment("read", principal, row)
        return to_read(row, with_notes=clinician)

    async def ics(self, principal: Principal, appointment_id: uuid.UUID) -> bytes:
        """One appointment as an iCalendar file."""
        row = ensure_visible(principal, await self.store.get(appointment_id))
        return calendar([row], name=row.type_name)

    async def page(self, principal: Principal, query: AppointmentFilter) -> Page[AppointmentRead]:
        """Appointments overlapping `[start, end)` that match `query`, by start time.

        A `limit` of 0 asks for the default page size.
        """
        for name, value in (("start", query.start), ("end", query.end)):
            if value is not None and value.tzinfo is None:
                raise InvalidRequest.naming(name, "a UTC offset is required")
        limit = query.limit or min(DEFAULT_PAGE_SIZE, self.config.max_page_size)
        if limit > self.config.max_page_size:
            raise InvalidRequest.naming("limit", f"at most {self.config.max_page_size}")
        query = msgspec.structs.replace(query, limit=limit)
        visible_to = None if sees_all(principal) else principal.id
        records, total = await self.store.page(query, visible_to=visible_to)
        items = AppointmentRead.from_rows(records)
        return Page(items=items, total=total, limit=limit, offset=query.offset)
