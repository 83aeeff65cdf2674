"""Date and instant search values: `eq/ge/gt/le/lt` prefixes read into `[from, before)` bounds."""

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas._values import OR, Params, several

LAST_UPDATED = "_lastUpdated"
_PREFIXES = ("eq", "ge", "gt", "le", "lt")
T = TypeVar("T", date, datetime)
_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}){0,2}")
"""FHIR's date precisions: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`."""
_FRACTION = re.compile(r"\.([0-9]+)")
"""The fraction of a second after `hh:mm:ss`: its digits are the value's precision."""


def date_bounds(name: str, values: Sequence[str]) -> tuple[date | None, date | None]:
    """The `[from, before)` days that `eq/ge/gt/le/lt`-prefixed dates (ANDed) leave open."""
    return _bounds(name, values, _day_range)


def instant_bounds(name: str, values: Sequence[str]) -> tuple[datetime | None, datetime | None]:
    """The `[from, before)` instants that prefixed dates or date-times (ANDed) leave open.

    A value covers its precision: `2026-12-01` the whole UTC day, `2026-12-01T10:00Z` the
    minute, `2026-12-01T10:00:05Z` the second, `…05.25Z` a hundredth of it; without an offset
    a time is read as UTC.
    """
    return _bounds(name, values, _instant_range)


def instant_value(moment: datetime) -> str:
    """`moment` as a search value that covers just it (UTC, to the microsecond)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def last_updated(params: Params) -> tuple[datetime | None, datetime | None]:
    """The `[from, before)` instants of `_lastUpdated`."""
    return instant_bounds(LAST_UPDATED, params.get(LAST_UPDATED, []))


def _bounds(
    name: str, values: Sequence[str], value_range: Callable[[str, str], tuple[T, T]]
) -> tuple[T | None, T | None]:
    start: T | None = None
    before: T | None = None
    for value in values:
        if OR.search(value):
            raise several(name)
        prefix, text = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
        if prefix not in _PREFIXES:
            raise BadSearch(f"{name}: the prefix must be one of {', '.join(_PREFIXES)}")
        low, high = value_range(name, text)
        lower = {"eq": low, "ge": low, "gt": high}.get(prefix)
        upper = {"eq": high, "le": high, "lt": low}.get(prefix)
        if lower and (start is None or lower > start):
            start = lower
        if upper and (before is None or upper < before):
            before = upper
    return start, before


def _instant_range(name: str, text: str) -> tuple[datetime, datetime]:
    """The first instant a date or date-time covers and the one after its last."""
    if "T" not in text:
        low, high = _day_range(name, text)
        return _utc_midnight(low), _utc_midnight(high)
    clock = text.partition("T")[2]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadSearch(
            f"{name}: {text!r} is not a date-time (e.g. 2026-12-01T09:30:00Z, prefix "
            "eq/ge/gt/le/lt)"
        ) from None
    fraction = _FRACTION.match(clock[8:])
    precision = (
        # 10^-digits of a second; past six digits Python keeps microseconds (the rest is cut).
        timedelta(microseconds=10 ** (6 - min(len(fraction[1]), 6)))
        if fraction
        else timedelta(seconds=1)
        if clock[:8].count(":") == 2
        else timedelta(minutes=1)
    )
    try:
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment, moment + precision
    except OverflowError:
        raise out_of_range(name, text) from None


def _day_range(name: str, text: str) -> tuple[date, date]:
    """The first day of a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` and the day after its last."""
    try:
        parts = [int(part) for part in text.split("-")] if _DATE.fullmatch(text) else []
        if len(parts) == 1:
            first, last = date(parts[0], 1, 1), date(parts[0], 12, 31)
        elif len(parts) == 2:
            year, month = parts
            first = date(year, month, 1)
            last = date(year, month, calendar.monthrange(year, month)[1])
        elif len(parts) == 3:
            first = last = date(*parts)
        else:
            raise ValueError(text)
    except ValueError:
        raise BadSearch(
            f"{name}: {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD, prefix eq/ge/gt/le/lt)"
        ) from None
    if last == date.max:
        raise out_of_range(name, text)
    return first, last + timedelta(days=1)


def out_of_range(name: str, text: str) -> BadSearch:
    """The 400 for a date or date-time whose range runs past the calendar's ends."""
    return BadSearch(
        f"{name}: {text!r} is out of range (searchable from {date.min} to "
        f"{date.max - timedelta(days=1)})"
    )


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
