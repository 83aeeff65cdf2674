"""Practitioners' availability: time zone, weekly hours and dated exceptions."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from hduce.contracts.auth import CLINICAL_ROLES, Accounts
from hduce.core.db import Database
from hduce.core.errors import Conflict, NotFound
from hduce.core.schemas import format_clock, parse_clock
from hduce.core.security import Principal
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.errors import InvalidRequest
from hduce.plugins.appointments.schemas import (
    AvailabilityRead,
    AvailabilityUpdate,
    ExceptionCreate,
    ExceptionRead,
    WeeklyHoursRead,
)
from hduce.plugins.appointments.services._access import ensure_manages_schedule
from hduce.plugins.appointments.services._audit import AppointmentAudit
from hduce.plugins.appointments.services._availability import (
    LocalException,
    LocalWindow,
    Opening,
    ScheduleRules,
    open_intervals,
)
from hduce.plugins.appointments.store import ScheduleStore


def _clock(moment: time | None) -> str | None:
    return None if moment is None else format_clock(moment)


def _exception(record: asyncpg.Record, *, with_reason: bool = True) -> ExceptionRead:
    # Staff write clinical or personal details there: patients see only when, not why.
    return ExceptionRead.from_row(
        record,
        start=_clock(record["start_time"]),
        end=_clock(record["end_time"]),
        reason=record["reason"] if with_reason else None,
    )


MARGIN = timedelta(days=2)
"""Local dates read around a UTC range, whatever the zone."""
LONGEST_VISIT = timedelta(days=1)
"""Longer than any appointment type (8 hours at most)."""


def _rules(record: asyncpg.Record) -> ScheduleRules:
    """The rules of a `ScheduleStore.rules` row."""
    return ScheduleRules(
        timezone=record["timezone"] or "UTC",
        weekly=tuple(LocalWindow(*window) for window in record["weekly"]),
        exceptions=tuple(LocalException(*exception) for exception in record["exceptions"]),
    )


@dataclass(frozen=True, eq=False)
class Schedules:
    """Reads and changes when practitioners work; each change is audited."""

    db: Database
    config: AppointmentsConfig
    store: ScheduleStore
    accounts: Accounts
    audit: AppointmentAudit

    async def timezone(self, practitioner_id: uuid.UUID) -> str:
        """The practitioner's time zone (UTC until one is set)."""
        return await self.store.timezone(practitioner_id) or "UTC"

    async def rules(self, practitioner_id: uuid.UUID, first: date, last: date) -> ScheduleRules:
        """Time zone, weekly hours and the exceptions dated `first`..`last` (one statement)."""
        return _rules(await self.store.rules(practitioner_id, first, last))

    async def rules_near(
        self, practitioner_id: uuid.UUID, type_id: uuid.UUID, start: datetime
    ) -> tuple[ScheduleRules, asyncpg.Record]:
        """The rules around a visit starting at `start` and the type, in one statement.

        The record has `TypeStore.offered`'s columns (None if the practitioner does not offer it).
        """
        first, last = (start - MARGIN).date(), (start + LONGEST_VISIT + MARGIN).date()
        record = await self.store.rules_and_type(practitioner_id, type_id, first, last)
        return _rules(record), record

    async def openings(
        self, practitioner_id: uuid.UUID, start: datetime, end: datetime
    ) -> tuple[str, list[Opening]]:
        """The practitioner's time zone and open intervals within `[start, end)`."""
        rules = await self.rules(practitioner_id, (start - MARGIN).date(), (end + MARGIN).date())
        return rules.timezone, open_intervals(rules, start, end)

    async def read(
        self, practitioner_id: uuid.UUID, *, with_reasons: bool = True
    ) -> AvailabilityRead:
        """The practitioner's hours and their exceptions from today (local) on."""
        await self._ensure_practitioner(practitioner_id)
        zone = await self.timezone(practitioner_id)
        today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
        weekly = await self.store.weekly(practitioner_id)
        exceptions = await self.store.exceptions(practitioner_id, today, date.max)
        return AvailabilityRead(
            practitioner_id=practitioner_id,
            timezone=zone,
            weekly_hours=[
                WeeklyHoursRead(
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
        weekly = [(w.weekday, parse_clock(w.start), parse_clock(w.end)) for w in data.weekly_hours]
        async with self.db.transaction():
            await self.store.replace(practitioner_id, data.timezone, weekly)
            await self.audit.schedule(
                "hours_set", principal, practitioner_id, timezone=data.timezone
            )
        return await self.read(practitioner_id)

    async def add_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, data: ExceptionCreate
    ) -> ExceptionRead:
        """Record time off or extra hours on one date, from today to `exception_horizon`."""
        ensure_manages_schedule(principal, practitioner_id)
        await self._ensure_practitioner(practitioner_id)
        await self._ensure_within_reach(practitioner_id, data.on_date)
        async with self.db.transaction():
            record = await self.store.add_exception(
                practitioner_id,
                data.on_date,
                data.kind,
                None if data.start is None else parse_clock(data.start),
                None if data.end is None else parse_clock(data.end),
                data.reason,
            )
            if record is None:
                kind = data.kind.replace("_", " ")
                raise Conflict(f"this {kind} is already recorded for that date")
            await self.audit.schedule(
                "exception_added",
                principal,
                practitioner_id,
                exception_id=str(record["id"]),
                on_date=data.on_date.isoformat(),
                kind=data.kind,
            )
        return _exception(record)

    async def delete_exception(
        self, principal: Principal, practitioner_id: uuid.UUID, exception_id: uuid.UUID
    ) -> None:
        """Remove one exception."""
        ensure_manages_schedule(principal, practitioner_id)
        async with self.db.transaction():
            if not await self.store.delete_exception(practitioner_id, exception_id):
                raise NotFound("no such exception")
            await self.audit.schedule(
                "exception_removed", principal, practitioner_id, exception_id=str(exception_id)
            )

    async def _ensure_within_reach(self, practitioner_id: uuid.UUID, on_date: date) -> None:
        """422 naming `on_date` before today (the practitioner's) or beyond the horizon.

        Past dates would never show again (the hours are read from today on), and far ones only
        make every slot search read them.
        """
        zone = await self.timezone(practitioner_id)
        today = datetime.now(ZoneInfo(zone)).date()
        reach = max(self.config.exception_horizon, self.config.horizon)
        last = today + timedelta(seconds=reach)
        if not today <= on_date <= last:
            message = f"from {today} (today in {zone}) to {last}"
            raise InvalidRequest.naming("on_date", message, "body")

    async def _ensure_practitioner(self, practitioner_id: uuid.UUID) -> None:
        entry = await self.accounts.get_account(practitioner_id)
        if entry is None or entry.roles.isdisjoint(CLINICAL_ROLES):
            raise NotFound("no such practitioner")
