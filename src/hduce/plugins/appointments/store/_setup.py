"""Appointment types with their practitioners, and practitioners' hours and exceptions."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, time
from typing import Any

import asyncpg

from hduce.contracts.auth import ACCOUNT_DIRECTORY, AccountStatus
from hduce.core.sql_store import SqlStore

SELECT_TYPES = """
SELECT t.id, t.name, t.duration_minutes, t.buffer_before_minutes, t.buffer_after_minutes, t.mode,
       t.active, t.updated_at,
       coalesce(array_agg(o.practitioner ORDER BY o.practitioner)
                FILTER (WHERE o.practitioner IS NOT NULL), '{}') AS practitioner_ids,
       ARRAY(SELECT d.practitioner FROM appointment_type_departure d
             WHERE d.appointment_type = t.id ORDER BY d.practitioner) AS departed_ids,
       ARRAY(SELECT d.left_at FROM appointment_type_departure d
             WHERE d.appointment_type = t.id ORDER BY d.practitioner) AS departed_at
FROM appointment_type t LEFT JOIN appointment_type_practitioner o ON o.appointment_type = t.id
"""
# Those listed on type $1 but not among $2 leave it now (the latest departure is kept).
DEPART = """
INSERT INTO appointment_type_departure (id, appointment_type, practitioner)
SELECT gen_random_uuid(), appointment_type, practitioner FROM appointment_type_practitioner
WHERE appointment_type = $1 AND practitioner <> ALL($2::uuid[])
ON CONFLICT (appointment_type, practitioner) DO UPDATE SET left_at = excluded.left_at
"""


def _offered(type_id: str, practitioner_id: str) -> str:
    """An active type the practitioner offers, by the placeholders of both ids.

    `practitioner_active`: false for a deactivated practitioner, who offers nothing (no slots,
    bookings, moves or waits to them); `offered_type` refuses the row then.
    """
    return f"""
SELECT t.id, t.name, t.duration_minutes, t.buffer_before_minutes, t.buffer_after_minutes, t.mode,
       t.active, ARRAY[o.practitioner] AS practitioner_ids,
       d.id IS NOT NULL AS practitioner_active
FROM appointment_type t JOIN appointment_type_practitioner o ON o.appointment_type = t.id
LEFT JOIN {ACCOUNT_DIRECTORY} d ON d.id = o.practitioner AND d.status = '{AccountStatus.ACTIVE}'
WHERE t.id = {type_id} AND o.practitioner = {practitioner_id} AND t.active
"""


OFFERED = _offered("$1", "$2")
TIMEZONE = "SELECT timezone FROM practitioner_schedule WHERE practitioner = $1"
WEEKLY = """
SELECT weekday, start_time, end_time FROM weekly_hours WHERE practitioner = $1
ORDER BY weekday, start_time
"""
# Time zone, weekly windows and the exceptions dated $2..$3 of one practitioner, in one statement.
RULES = """
SELECT (SELECT timezone FROM practitioner_schedule WHERE practitioner = $1) AS timezone,
       ARRAY(SELECT ROW(weekday, start_time, end_time) FROM weekly_hours
             WHERE practitioner = $1 ORDER BY weekday, start_time) AS weekly,
       ARRAY(SELECT ROW(on_date, kind, start_time, end_time) FROM availability_exception
             WHERE practitioner = $1 AND on_date BETWEEN $2 AND $3
             ORDER BY on_date, start_time NULLS FIRST) AS exceptions
"""
# The same and, in the same row, the type $4 if the practitioner offers it (else NULL columns).
RULES_AND_TYPE = (
    f"SELECT r.*, o.* FROM ({RULES}) AS r LEFT JOIN ({_offered('$4', '$1')}) AS o ON true"
)
SCHEDULES = """
SELECT practitioner, timezone, updated_at FROM practitioner_schedule
WHERE $1::uuid[] IS NULL OR practitioner = ANY($1) ORDER BY practitioner
"""
WEEKLY_OF = """
SELECT practitioner, weekday, start_time, end_time FROM weekly_hours
WHERE practitioner = ANY($1) ORDER BY weekday, start_time
"""
EXCEPTION_COLUMNS = "id, on_date, kind, start_time, end_time, reason"
EXCEPTIONS = f"""
SELECT {EXCEPTION_COLUMNS} FROM availability_exception
WHERE practitioner = $1 AND on_date BETWEEN $2 AND $3 ORDER BY on_date, start_time NULLS FIRST
"""


class TypeStore(SqlStore):
    """Appointment types and who offers them."""

    async def all(self) -> list[asyncpg.Record]:
        """Every type, by name."""
        return await self.db.fetch(SELECT_TYPES + " GROUP BY t.id ORDER BY t.name")

    async def get(self, type_id: uuid.UUID) -> asyncpg.Record | None:
        """One type, or None."""
        return await self.db.fetchrow(SELECT_TYPES + " WHERE t.id = $1 GROUP BY t.id", type_id)

    async def offered(
        self, type_id: uuid.UUID, practitioner_id: uuid.UUID
    ) -> asyncpg.Record | None:
        """An active type the practitioner offers (with only them as practitioner), or None.

        The row says whether the practitioner's account is active (`practitioner_active`).
        """
        return await self.db.fetchrow(OFFERED, type_id, practitioner_id)

    async def insert(self, type_id: uuid.UUID, columns: dict[str, Any]) -> None:
        """Add an active type (a taken name raises `UniqueViolationError`)."""
        await self.db.execute(
            "INSERT INTO appointment_type (id, name, duration_minutes, "
            "buffer_before_minutes, buffer_after_minutes, mode, active) "
            "VALUES ($1, $2, $3, $4, $5, $6, true)",
            type_id,
            columns["name"],
            columns["duration_minutes"],
            columns["buffer_before_minutes"],
            columns["buffer_after_minutes"],
            columns["mode"],
        )

    async def update(self, type_id: uuid.UUID, changes: dict[str, Any]) -> bool:
        """Change some columns of a type; False if there is no such type."""
        assignments = "".join(f", {n} = ${i}" for i, n in enumerate(changes, start=2))
        status = await self.db.execute(
            f"UPDATE appointment_type SET updated_at = now(){assignments} WHERE id = $1",
            type_id,
            *changes.values(),
        )
        return status != "UPDATE 0"

    async def set_practitioners(
        self, type_id: uuid.UUID, practitioner_ids: Iterable[uuid.UUID], *, replace: bool
    ) -> None:
        """Record who offers a type (after removing the previous list when `replace`).

        Whoever the new list leaves out is recorded as having left it now (`departed_at`).
        """
        listed = sorted(set(practitioner_ids))
        if replace:
            await self.db.execute(DEPART, type_id, listed)
            await self.db.execute(
                "DELETE FROM appointment_type_practitioner WHERE appointment_type = $1", type_id
            )
        await self.db.execute(
            "DELETE FROM appointment_type_departure "
            "WHERE appointment_type = $1 AND practitioner = ANY($2::uuid[])",
            type_id,
            listed,
        )
        await self.db.executemany(
            "INSERT INTO appointment_type_practitioner (id, appointment_type, practitioner) "
            "VALUES ($1, $2, $3)",
            [(uuid.uuid4(), type_id, p) for p in listed],
        )


class ScheduleStore(SqlStore):
    """Practitioners' time zones, weekly hours and dated exceptions."""

    async def timezone(self, practitioner_id: uuid.UUID) -> str | None:
        """The practitioner's time zone, or None before one is set."""
        return await self.db.fetchval(TIMEZONE, practitioner_id)

    async def weekly(self, practitioner_id: uuid.UUID) -> list[asyncpg.Record]:
        """The weekly windows (`weekday, start_time, end_time`), in order."""
        return await self.db.fetch(WEEKLY, practitioner_id)

    async def rules(self, practitioner_id: uuid.UUID, first: date, last: date) -> asyncpg.Record:
        """A practitioner's schedule for `first`..`last`, read in one statement.

        `timezone` (None before one is set), `weekly` windows `(weekday, start_time, end_time)`
        and the `exceptions` `(on_date, kind, start_time, end_time)` dated `first`..`last`.
        """
        record = await self.db.fetchrow(RULES, practitioner_id, first, last)
        assert record is not None  # a SELECT without FROM always answers
        return record

    async def rules_and_type(
        self, practitioner_id: uuid.UUID, type_id: uuid.UUID, first: date, last: date
    ) -> asyncpg.Record:
        """`rules` and, in the same row, the columns of `TypeStore.offered` (None if not)."""
        record = await self.db.fetchrow(RULES_AND_TYPE, practitioner_id, first, last, type_id)
        assert record is not None  # the rules' row is always there
        return record

    async def schedules(self, practitioner_ids: list[uuid.UUID] | None) -> list[asyncpg.Record]:
        """`practitioner, timezone, updated_at` of those among the ids (None: all) with one."""
        return await self.db.fetch(SCHEDULES, practitioner_ids)

    async def weekly_of(self, practitioner_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
        """The weekly windows of several practitioners (`practitioner, weekday, ...`), in order."""
        return await self.db.fetch(WEEKLY_OF, practitioner_ids)

    async def exceptions(
        self, practitioner_id: uuid.UUID, first: date, last: date
    ) -> list[asyncpg.Record]:
        """The exceptions dated `first`..`last`, in order."""
        return await self.db.fetch(EXCEPTIONS, practitioner_id, first, last)

    async def replace(
        self, practitioner_id: uuid.UUID, timezone: str, weekly: Sequence[tuple[int, time, time]]
    ) -> None:
        """Set the time zone and replace every weekly window, in one transaction."""
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO practitioner_schedule (id, practitioner, timezone) "
                "VALUES ($1, $2, $3) ON CONFLICT (practitioner) "
                "DO UPDATE SET timezone = excluded.timezone, updated_at = now()",
                uuid.uuid4(),
                practitioner_id,
                timezone,
            )
            await self.db.execute(
                "DELETE FROM weekly_hours WHERE practitioner = $1", practitioner_id
            )
            await self.db.executemany(
                "INSERT INTO weekly_hours (id, practitioner, weekday, start_time, end_time) "
                "VALUES ($1, $2, $3, $4, $5)",
                [(uuid.uuid4(), practitioner_id, *window) for window in weekly],
            )

    async def add_exception(
        self,
        practitioner_id: uuid.UUID,
        on_date: date,
        kind: str,
        start: time | None,
        end: time | None,
        reason: str | None,
    ) -> asyncpg.Record | None:
        """Record one exception; its row, or None if the same one is recorded already."""
        return await self.db.fetchrow(
            "INSERT INTO availability_exception "
            "(id, practitioner, on_date, kind, start_time, end_time, reason) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (practitioner, on_date, kind, start_time, end_time) DO NOTHING "
            f"RETURNING {EXCEPTION_COLUMNS}",
            uuid.uuid4(),
            practitioner_id,
            on_date,
            kind,
            start,
            end,
            reason,
        )

    async def delete_exception(self, practitioner_id: uuid.UUID, exception_id: uuid.UUID) -> bool:
        """Remove one exception; False if the practitioner has no such exception."""
        status = await self.db.execute(
            "DELETE FROM availability_exception WHERE id = $1 AND practitioner = $2",
            exception_id,
            practitioner_id,
        )
        return status != "DELETE 0"
