"""Practitioners' availability: time zone, weekly hours and dated exceptions."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from hduce.contracts.auth import CLINICAL_ROLES, Accounts
from hduce.core.errors import NotFound
from hduce.core.schemas import format_clock, parse_clock
from hduce.core.security import Principal
from hduce.plugins.appointments.env import Env
from hduce.plugins.appointments.schemas import (
    AvailabilityRead,
    AvailabilityUpdate,
    ExceptionCreate,
    ExceptionRead,
    WeeklyHoursItem,
)
from hduce.plugins.appointments.services._access import ensure_manages_schedule
from hduce.plugins.appointments.services._availability import (
    Interval,
    LocalException,
    LocalWindow,
    ScheduleRules,
    open_intervals,
)

TIMEZONE = "SELECT timezone FROM practitioner_schedule WHERE practitioner = $1"
WEEKLY = """
SELECT weekday, start_time, end_time FROM weekly_hours WHERE practitioner = $1
ORDER BY weekday, start_time
"""
EXCEPTION_COLUMNS = "id, on_date, kind, start_time, end_time, reason"
EXCEPTIONS = f"""
SELECT {EXCEPTION_COLUMNS} FROM availability_exception
WHERE practitioner = $1 AND on_date BETWEEN $2 AND $3 ORDER BY on_date, start_time NULLS FIRST
"""


def _clock(moment: time | None) -> str | None:
    return None if moment is None else format_clock(moment)


def _exception(record: asyncpg.Record, *, with_reason: bool = True) -> ExceptionRead:
    # Staff write clinical or personal details there: patients see only when, not why.
    return ExceptionRead(
        id=record["id"],
        on_date=record["on_date"],
        kind=record["kind"],
        start=_clock(record["start_time"]),
        end=_clock(record["end_time"]),
        reason=record["reason"] if with_reason else None,
    )


class Schedules:
    """Reads and changes when practitioners work."""

    def __init__(self, env: Env) -> None:
        self._env = env

    async def timezone(self, practitioner_id: uuid.UUID) -> str:
        """The practitioner's time zone (UTC until one is set)."""
        record = await self._env.context.db.fetchrow(TIMEZONE, practitioner_id)
        return str(record["timezone"]) if record else "UTC"

    async def rules(self, practitioner_id: uuid.UUID, first: date, last: date) -> ScheduleRules:
        """Time zone, weekly hours and the exceptions dated `first`..`last`."""
        # Plain reads through `db`: no connection reset after them (a round trip), unlike a
        # connection acquired from the pool for the three.
        db = self._env.context.db
        weekly = await db.fetch(WEEKLY, practitioner_id)
        exceptions = await db.fetch(EXCEPTIONS, practitioner_id, first, last)
        return ScheduleRules(
            timezone=await self.timezone(practitioner_id),
            weekly=tuple(LocalWindow(r["weekday"], r["start_time"], r["end_time"]) for r in weekly),
            exceptions=tuple(
                LocalException(r["on_date"], r["kind"], r["start_time"], r["end_time"])
                for r in exceptions
            ),
        )

    async def openings(
        self, practitioner_id: uuid.UUID, start: datetime, end: datetime
    ) -> tuple[str, list[Interval]]:
        """The practitioner's time zone and open intervals within `[start, end)`."""
        margin = timedelta(days=2)  # local dates around the UTC range, whatever the zone
        rules = await self.rules(practitioner_id, (start - margin).date(), (end + margin).date())
        return rules.timezone, open_intervals(rules, start, end)

    async def read(
        self, practitioner_id: uuid.UUID, *, with_reasons: bool = True
    ) -> AvailabilityRead:
        """The practitioner's hours and their exceptions from today (local) on."""
        await self._ensure_practitioner(practitioner_id)
        zone = await self.timezone(practitioner_id)
        today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
        pool = self._env.context.db.shared_pool
        weekly = await pool.fetch(WEEKLY, practitioner_id)
        exceptions = await pool.fetch(EXCEPTIONS, practitioner_id, today, date.max)
        return AvailabilityRead(
            practitioner_id=practitioner_id,
            timezone=zone,
            weekly_hours=[
                WeeklyHoursItem(
                    weekday=r["weekday"],
                    start=format_clock(r["start_time"]),
                    end=format_clock(r["end_time"]),
                )
                for r in weekly
            ],
            exceptions=[_exception(r, with_reason=with_reasons) for r in exceptions],
        )

    async def replace(
        self, principal: Principal, practitioner_id: uuid.UUID, data: AvailabilityUpdate
    ) -> AvailabilityRead:
        """Set the time zone and replace every weekly window; bookings stay as they are."""
        ensure_manages_schedule(principal, practitioner_id)
        await self._ensure_practitioner(practitioner_id)
        async with self._env.transaction() as tx:
            await tx.connection.execute(
                "INSERT INTO practitioner_schedule (id, practitioner, timezone) "
                "VALUES ($1, $2, $3) ON CONFLICT (practitioner) "
                "DO UPDATE SET timezone = excluded.timezone, updated_at = now()",
                uuid.uuid4(),
                practitioner_id,
                data.timezone,
            )
            await tx.connection.execute(
                "DELETE FROM weekly_hours WHERE practitioner = $1", practitioner_id
            )
            await tx.connection.executemany(
                "INSERT INTO weekly_hours (id, practitioner, weekday, start_time, end_time) "
                "VALUES ($1, $2, $3, $4, $5)",
                [
                    (
                        uuid.uuid4(),
                        practitioner_id,
                        w.weekday,
                        parse_clock(w.start),
                        parse_clock(w.end),
                    )
                    for w in data.weekly_hours
                ],
            )
        return await self.read(practitioner_id)

    async def add_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, data: ExceptionCreate
    ) -> ExceptionRead:
        """Record time off or extra hours on one date."""
        ensure_manages_schedule(principal, practitioner_id)
        await self._ensure_practitioner(practitioner_id)
        record = await self._env.context.db.shared_pool.fetchrow(
            "INSERT INTO availability_exception "
            "(id, practitioner, on_date, kind, start_time, end_time, reason) "
            f"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {EXCEPTION_COLUMNS}",
            uuid.uuid4(),
            practitioner_id,
            data.on_date,
            data.kind,
            None if data.start is None else parse_clock(data.start),
            None if data.end is None else parse_clock(data.end),
            data.reason,
        )
        return _exception(record)

    async def delete_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, exception_id: uuid.UUID
    ) -> None:
        """Remove one exception."""
        ensure_manages_schedule(principal, practitioner_id)
        status = await self._env.context.db.shared_pool.execute(
            "DELETE FROM availability_exception WHERE id = $1 AND practitioner = $2",
            exception_id,
            practitioner_id,
        )
        if status == "DELETE 0":
            raise NotFound("no such exception")

    async def _ensure_practitioner(self, practitioner_id: uuid.UUID) -> None:
        entry = await self._env.context.registry.get(Accounts).get_account(practitioner_id)
        if entry is None or entry.roles.isdisjoint(CLINICAL_ROLES):
            raise NotFound("no such practitioner")
