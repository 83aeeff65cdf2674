"""The appointment store: claims of calendar time, status changes, moves and pages."""

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
from asyncpg.exceptions import ExclusionViolationError

from hduce.contracts.appointments import AppointmentFilter
from hduce.core.sql_store import SqlStore
from hduce.plugins.appointments.errors import PatientBusy, SlotUnavailable
from hduce.plugins.appointments.store._appointment_rows import (
    ACCOUNTS_OF,
    BOOKED,
    BUSY,
    CONSUME_EVENT,
    FILTERS,
    FROM,
    INSERT,
    LOCK_KEYS,
    MOVE,
    PAGE_COLUMNS,
    PATIENT_OVERLAP,
    ROW_FIELDS,
    SELECT_ONE,
    SELECT_ONE_LOCKING,
    VISIBLE_TO,
    AppointmentRow,
    Visit,
    lock_keys,
    to_row,
)


@asynccontextmanager
async def claiming_slot() -> AsyncIterator[None]:
    """Turn a lost race for a slot (the exclusion constraints) into a 409, never a 500."""
    try:
        yield
    except ExclusionViolationError as exc:
        if exc.constraint_name == PATIENT_OVERLAP:
            raise PatientBusy("the patient has another appointment at that time") from None
        raise SlotUnavailable("this slot has just been taken; choose another") from None


class AppointmentStore(SqlStore):
    """The appointment table's statements; each joins the caller's transaction."""

    async def insert(
        self,
        visit: Visit,
        *,
        appointment_id: uuid.UUID,
        patient_id: uuid.UUID,
        practitioner_id: uuid.UUID,
        status: str,
        booked_by: uuid.UUID,
        reason: str | None = None,
        hold_until: datetime | None = None,
        scheduled_events: Sequence[uuid.UUID] = (),
        lock: Iterable[uuid.UUID] = (),
    ) -> AppointmentRow:
        """Insert an appointment that blocks its type's buffers around it.

        The exclusion constraints refuse it if the practitioner or the patient is busy then. The
        calendars of `lock` are locked first (see `services/_claims.py`), in the same statement.
        `scheduled_events`: the ids of its pending scheduled events, when chosen beforehand.
        """
        record = await self.db.fetchrow(
            INSERT,
            appointment_id,
            patient_id,
            practitioner_id,
            visit.type_id,
            status,
            visit.starts_at,
            visit.ends_at,
            visit.blocked_from,
            visit.blocked_until,
            visit.mode,
            reason,
            booked_by,
            hold_until,
            lock_keys(lock),
            list(scheduled_events),
        )
        if record is None:
            raise RuntimeError("INSERT ... RETURNING gave no row")
        return AppointmentRow(
            **{field: record[field] for field in ROW_FIELDS}, type_name=visit.type_name
        )

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A savepoint of the caller's transaction: a refusal inside it spoils nothing else."""
        await self.db.execute("SAVEPOINT appointment_claim")
        try:
            yield
        except BaseException:
            await self.db.execute("ROLLBACK TO SAVEPOINT appointment_claim")
            raise
        await self.db.execute("RELEASE SAVEPOINT appointment_claim")

    async def get(self, appointment_id: uuid.UUID, *, lock: bool = False) -> AppointmentRow | None:
        """One appointment, locked `FOR UPDATE` when asked; None if there is none."""
        query = SELECT_ONE + (" FOR UPDATE OF a" if lock else "")
        record = await self.db.fetchrow(query, appointment_id)
        return to_row(record) if record else None

    async def get_locking(
        self, appointment_id: uuid.UUID, calendars: Iterable[uuid.UUID]
    ) -> AppointmentRow | None:
        """One appointment locked `FOR UPDATE`, the `calendars` locked first; None if none.

        One statement; the calendars are locked as by `lock_calendars`.
        """
        record = await self.db.fetchrow(SELECT_ONE_LOCKING, appointment_id, lock_keys(calendars))
        return to_row(record) if record else None

    async def refetch(self, appointment_id: uuid.UUID) -> AppointmentRow:
        """An appointment this transaction has just changed (and so knows to exist)."""
        row = await self.get(appointment_id)
        if row is None:
            raise RuntimeError(f"appointment {appointment_id} vanished inside its own transaction")
        return row

    async def consume_event(
        self, appointment_id: uuid.UUID, event_id: uuid.UUID
    ) -> AppointmentRow | None:
        """Remove a scheduled event from its appointment; the row if it was still pending."""
        record = await self.db.fetchrow(CONSUME_EVENT, appointment_id, event_id)
        return to_row(record) if record else None

    async def remember_events(self, appointment_id: uuid.UUID, event_ids: list[uuid.UUID]) -> None:
        """Store the pending scheduled events of an appointment."""
        await self.db.execute(
            "UPDATE appointment SET scheduled_events = $2 WHERE id = $1", appointment_id, event_ids
        )

    async def set_status(
        self,
        appointment_id: uuid.UUID,
        status: str,
        *,
        changed_by: uuid.UUID | None,
        **columns: Any,
    ) -> None:
        """Change the status (and any `columns`), stamping who and when."""
        names = list(columns)
        assignments = "".join(f", {name} = ${index}" for index, name in enumerate(names, start=4))
        await self.db.execute(
            f"UPDATE appointment SET status = $2, changed_by = $3, updated_at = now(){assignments} "
            "WHERE id = $1",
            appointment_id,
            status,
            changed_by,
            *columns.values(),
        )

    async def move(
        self,
        appointment_id: uuid.UUID,
        practitioner_id: uuid.UUID,
        visit: Visit,
        by: uuid.UUID,
        scheduled_events: Sequence[uuid.UUID],
    ) -> AppointmentRow:
        """Give an appointment a new time (and practitioner); the row as moved.

        It is booked again, with `scheduled_events` as its pending scheduled events.
        """
        record = await self.db.fetchrow(
            MOVE,
            appointment_id,
            practitioner_id,
            visit.starts_at,
            visit.ends_at,
            visit.blocked_from,
            visit.blocked_until,
            by,
            list(scheduled_events),
        )
        if record is None:
            raise RuntimeError(f"appointment {appointment_id} vanished inside its own transaction")
        return to_row(record)

    async def set_notes(self, appointment_id: uuid.UUID, notes: str) -> None:
        """Replace the clinician's notes."""
        await self.db.execute(
            "UPDATE appointment SET notes = $2, updated_at = now() WHERE id = $1",
            appointment_id,
            notes,
        )

    async def delete(self, appointment_id: uuid.UUID) -> None:
        """Remove an appointment (a waitlist hold, which carries no clinical data)."""
        await self.db.execute("DELETE FROM appointment WHERE id = $1", appointment_id)

    async def lock_calendars(self, *account_ids: uuid.UUID) -> None:
        """Hold the calendars of `account_ids` until the transaction ends (sorted: no cycles)."""
        await self.db.execute(LOCK_KEYS, lock_keys(account_ids))

    async def lock_calendars_of(self, appointment_id: uuid.UUID) -> None:
        """Hold the calendars of an appointment's practitioner and patient (none if it is gone)."""
        record = await self.db.fetchrow(ACCOUNTS_OF, appointment_id)
        if record is not None:
            await self.lock_calendars(record["practitioner"], record["patient"])

    async def booked(
        self, practitioner_id: uuid.UUID, type_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[asyncpg.Record]:
        """`starts_at, ends_at` of a type's live bookings with the practitioner, by start."""
        return await self.db.fetch(BOOKED, practitioner_id, type_id, start, end)

    async def busy(
        self, practitioner_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """The practitioner's blocked intervals overlapping `[start, end)`."""
        records = await self.db.fetch(BUSY, practitioner_id, start, end)
        return [(r["blocked_from"], r["blocked_until"]) for r in records]

    async def page(
        self, query: AppointmentFilter, *, visible_to: uuid.UUID | None
    ) -> tuple[list[asyncpg.Record], int]:
        """A page of appointments by start (`PAGE_COLUMNS`) and the total number of matches.

        `query`: its `FILTERS` fields that are not None, its `limit` and `offset`.
        `visible_to`: only the account's own appointments, as patient or practitioner.
        """
        values: list[tuple[str, object]] = [(VISIBLE_TO, visible_to)]
        values += [(condition, getattr(query, name)) for name, condition in FILTERS.items()]
        conditions: list[str] = []
        args: list[object] = []
        for condition, value in values:
            if value is not None:
                args.append(value)
                conditions.append(condition.replace("?", f"${len(args)}"))
        clause = " AND ".join(conditions) or "true"
        records = await self.db.fetch(
            f"SELECT {PAGE_COLUMNS}, count(*) OVER () AS total FROM {FROM} WHERE {clause} "
            f"ORDER BY a.starts_at, a.id LIMIT {query.limit} OFFSET {query.offset}",
            *args,
        )
        if records:
            return records, records[0]["total"]
        total = await self.db.fetchval(f"SELECT count(*) FROM {FROM} WHERE {clause}", *args)
        return records, total or 0
