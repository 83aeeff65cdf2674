"""Reading appointments: one (with notes for clinicians, audited), pages, and `.ics` files."""

import uuid
from collections.abc import Collection
from datetime import datetime

import msgspec

from hduce.contracts.appointments import AppointmentStatus
from hduce.core.security import Principal
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.errors import InvalidRequest
from hduce.plugins.appointments.schemas import AppointmentPage, AppointmentRead, ConfirmationRead
from hduce.plugins.appointments.services._access import CLINICIANS, ensure_visible, sees_all
from hduce.plugins.appointments.services._ical import calendar
from hduce.plugins.appointments.services._messages import display_name
from hduce.plugins.appointments.store._appointments import FROM, SELECT_ONE, AppointmentRow, to_row

DEFAULT_PAGE_SIZE = 50
# A page's columns named as `AppointmentRead`'s fields, so each record converts in one step.
PAGE_COLUMNS = (
    "a.id, a.patient AS patient_id, a.practitioner AS practitioner_id, "
    "a.appointment_type AS type_id, t.name AS type_name, a.status, a.starts_at, a.ends_at, "
    "a.mode, a.reason, a.cancellation_reason, a.hold_until, a.created_at, a.updated_at"
)


def to_read(row: AppointmentRow, *, with_notes: bool = False) -> AppointmentRead:
    """The API view of an appointment; notes only when asked for."""
    view = AppointmentRead(
        id=row.id,
        patient_id=row.patient,
        practitioner_id=row.practitioner,
        type_id=row.appointment_type,
        type_name=row.type_name,
        status=AppointmentStatus(row.status),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        mode=row.mode,
        reason=row.reason,
        cancellation_reason=row.cancellation_reason,
        hold_until=row.hold_until,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
    if with_notes:
        view.notes = row.notes
    return view


class AppointmentQueries:
    """Appointment reads, each limited to what the caller may see."""

    def __init__(self, env: Env) -> None:
        self._env = env

    async def confirmation(self, row: AppointmentRow) -> ConfirmationRead:
        """What a confirmation link may show without a login: when and with whom."""
        return ConfirmationRead(
            id=row.id,
            status=AppointmentStatus(row.status),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            practitioner_name=await display_name(self._env, row.practitioner),
        )

    async def get(self, principal: Principal, appointment_id: uuid.UUID) -> AppointmentRead:
        """One appointment; a clinician's read includes the notes and is audited."""
        row = ensure_visible(principal, await self._fetch(appointment_id))
        clinician = principal.has_any_role(*CLINICIANS)
        if clinician:
            await self._env.audit(
                "appointments.read",
                actor_id=principal.id,
                subject_id=row.patient,
                detail={"appointment_id": str(row.id)},
            )
        return to_read(row, with_notes=clinician)

    async def ics(self, principal: Principal, appointment_id: uuid.UUID) -> bytes:
        """One appointment as an iCalendar file."""
        row = ensure_visible(principal, await self._fetch(appointment_id))
        return calendar([row], name=row.type_name)

    async def page(
        self,
        principal: Principal,
        *,
        practitioner_id: uuid.UUID | None,
        patient_id: uuid.UUID | None,
        status: AppointmentStatus | None,
        start: datetime | None,
        end: datetime | None,
        limit: int | None,
        offset: int,
        statuses: Collection[AppointmentStatus] | None = None,
    ) -> AppointmentPage:
        """Appointments overlapping `[start, end)` that match the filters, by start time."""
        if any(value is not None and value.tzinfo is None for value in (start, end)):
            raise InvalidRequest("start and end need a UTC offset")
        limit = limit or min(DEFAULT_PAGE_SIZE, self._env.config.max_page_size)
        if limit > self._env.config.max_page_size:
            raise InvalidRequest(f"limit: at most {self._env.config.max_page_size}")
        conditions: list[str] = []
        args: list[object] = []

        def where(condition: str, value: object) -> None:
            args.append(value)
            conditions.append(condition.replace("?", f"${len(args)}"))

        if not sees_all(principal):
            where("(a.patient = ? OR a.practitioner = ?)", principal.id)
        for condition, value in (
            ("a.practitioner = ?", practitioner_id),
            ("a.patient = ?", patient_id),
            ("a.status = ?", status),
            ("a.status = ANY(?)", None if statuses is None else list(statuses)),
            ("a.ends_at > ?", start),
            ("a.starts_at < ?", end),
        ):
            if value is not None:
                where(condition, value)
        clause = " AND ".join(conditions) or "true"
        # The engine's fetch joins a running transaction and skips the pool's reset round trip.
        db = self._env.context.db
        records = await db.fetch(
            f"SELECT {PAGE_COLUMNS}, count(*) OVER () AS total FROM {FROM} WHERE {clause} "
            f"ORDER BY a.starts_at, a.id LIMIT {limit} OFFSET {offset}",
            *args,
        )
        if records:
            total = records[0]["total"]
        else:
            counted = await db.fetchrow(f"SELECT count(*) FROM {FROM} WHERE {clause}", *args)
            total = counted[0] if counted else 0
        items = [msgspec.convert(dict(record), AppointmentRead) for record in records]
        return AppointmentPage(items=items, total=total, limit=limit, offset=offset)

    async def _fetch(self, appointment_id: uuid.UUID) -> AppointmentRow | None:
        record = await self._env.context.db.fetchrow(SELECT_ONE, appointment_id)
        return to_row(record) if record else None
