"""Days as practitioners live them: their time zone, their local day, and its bounds."""

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request

from hduce.contracts.appointments import AppointmentView
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.services import WebServices

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
"""The days pages accept (far from the calendar's edges, where day arithmetic overflows)."""
DEFAULT_ZONE = "UTC"
"""The zone of a practitioner without weekly hours (as the appointments plugin reads it)."""


def bounded(day: date, what: str = "the day") -> date:
    """`day` if pages can show it; 422 otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadInput(f"{what} must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def day_of(request: Request, today: date, name: str = "day") -> date:
    """The `day` query value (ISO date), `today` when absent; 422 outside the accepted days."""
    return day_in(request.query_params, today, name)


def day_in(values: Mapping[str, Any], today: date, name: str = "day") -> date:
    """The `name` value of a query or a form (ISO date), `today` when absent; 422 otherwise."""
    raw = str(values.get(name) or "").strip()
    if not raw:
        return today
    try:
        return bounded(date.fromisoformat(raw))
    except ValueError:
        raise BadInput(f"{name} must be a date like 2026-01-31") from None


async def zones_of(
    services: WebServices, practitioner_ids: Iterable[uuid.UUID] | None
) -> dict[uuid.UUID, str]:
    """Each practitioner's time zone (None: every practitioner's), in one read of their hours.

    A practitioner without weekly hours reads as `DEFAULT_ZONE`.
    """
    zones: dict[uuid.UUID, str] = defaultdict(lambda: DEFAULT_ZONE)
    wanted = None if practitioner_ids is None else list(set(practitioner_ids))
    if services.board is not None and wanted != []:
        zones.update((h.practitioner_id, h.timezone) for h in await services.board.hours(wanted))
    return zones


async def own_zone(services: WebServices, person_id: uuid.UUID) -> str:
    """A practitioner's zone when they set hours, else the one most practitioners work in."""
    zones = await zones_of(services, None)
    return zones[person_id] if person_id in zones else main_zone(zones)


def main_zone(zones: dict[uuid.UUID, str]) -> str:
    """The zone most practitioners work in (whose today the front desk opens on)."""
    counted = Counter(zones.values()).most_common(1)
    return counted[0][0] if counted else DEFAULT_ZONE


def today_in(zone: str) -> date:
    """Today's date in `zone`."""
    return datetime.now(ZoneInfo(zone)).date()


def local_day(moment: datetime, zone: str) -> date:
    """The date `moment` falls on in `zone`."""
    return moment.astimezone(ZoneInfo(zone)).date()


def day_range(day: date, zone: str, days: int = 1) -> tuple[datetime, datetime]:
    """`[start, end)` of `days` local days from `day` in `zone`."""
    tz = ZoneInfo(zone)
    return datetime.combine(day, time(), tz), datetime.combine(day + timedelta(days), time(), tz)


async def visit_day(services: WebServices, visit: AppointmentView) -> str:
    """The practitioner's local date of the visit (ISO), for a day page's link."""
    zone = (await zones_of(services, [visit.practitioner_id]))[visit.practitioner_id]
    return local_day(visit.starts_at, zone).isoformat()
