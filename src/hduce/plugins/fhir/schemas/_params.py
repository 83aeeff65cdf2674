"""Reading FHIR search parameters: `_count`/`_offset` paging, date prefixes, unknown names."""

import calendar
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import msgspec

from hduce.core.errors import NotFound
from hduce.plugins.fhir.errors import BadSearch

DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = frozenset({"_count", "_offset"})
CURSOR = "_cursor"
"""The paging parameter of a type that pages by cursor (with `_count`, without `_offset`)."""
GENERAL = frozenset({"_format", "_pretty", "_summary"})
"""Parameters of every interaction (checked on the router), not search filters."""
LAST_UPDATED = "_lastUpdated"

Params = Mapping[str, Sequence[str]]
"""A request's query: every parameter with all its values."""
_PREFIXES = ("eq", "ge", "gt", "le", "lt")
T = TypeVar("T", date, datetime)
_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}){0,2}")
"""FHIR's date precisions: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`."""
_OR = re.compile(r"(?<!\\),")
r"""The commas between a parameter's values (FHIR's OR); `\,` is a comma inside a value."""


class Paging(msgspec.Struct, frozen=True):
    """Which page of a searchset: `_count` entries after skipping `_offset`."""

    count: int
    offset: int
    pinned: tuple[tuple[str, str], ...] = ()
    """Parameters the page's links carry besides the query's, e.g. the snapshot they page."""


class Search(msgspec.Struct, frozen=True):
    """What every search reads besides its own filters: the page, `date` and `_lastUpdated`."""

    page: Paging
    day_from: datetime | None
    """The first midnight (UTC) of the `date` days, when bounded."""
    day_before: datetime | None
    """The midnight (UTC) after the `date` days, when bounded."""
    updated_from: datetime | None
    updated_before: datetime | None

    def window(self) -> dict[str, Any]:
        """`updated_from`, `updated_before`, `limit`, `offset`: the contracts' query arguments."""
        return {
            "updated_from": self.updated_from,
            "updated_before": self.updated_before,
            "limit": self.page.count,
            "offset": self.page.offset,
        }


def search_of(params: Params, allowed: frozenset[str]) -> Search:
    """`params` checked against `allowed`, with their paging, `date` and `_lastUpdated` read."""
    check_names(params, allowed)
    page = paging(params)
    start, before = date_bounds("date", params.get("date", []))
    updated_from, updated_before = last_updated(params)
    return Search(page, midnight(start), midnight(before), updated_from, updated_before)


def search_parameters(allowed: frozenset[str]) -> frozenset[str]:
    """Every parameter a search with the filters `allowed` takes: those and its paging's."""
    return allowed | ({"_count"} if CURSOR in allowed else PAGING)


def check_names(params: Iterable[str], allowed: frozenset[str]) -> None:
    """400 on a search parameter this resource does not support."""
    supported = search_parameters(allowed)
    unknown = sorted(set(params) - supported - GENERAL)
    if unknown:
        raise BadSearch(
            f"unsupported search parameter {', '.join(unknown)}; "
            f"supported: {', '.join(sorted(supported))}"
        )


def paging(params: Params) -> Paging:
    """`_count` (1 to 100, default 20) and `_offset` (0 or more)."""
    count = _integer(params, "_count", DEFAULT_COUNT, low=1, high=MAX_COUNT)
    return Paging(count, _integer(params, "_offset", 0, low=0, high=1_000_000))


def any_of(params: Params, name: str) -> list[str] | None:
    r"""The comma-separated values of `name` (FHIR's OR; `\,` is a comma in a value), or None.

    400 when the parameter repeats or a value is empty.
    """
    given = params.get(name) or []
    if len(given) > 1:
        raise BadSearch(f"{name}: give it once")
    if not given:
        return None
    values = [value.replace("\\,", ",").strip() for value in _OR.split(given[0])]
    if not all(values):
        raise BadSearch(f"{name}: empty value")
    return values


def single(params: Params, name: str) -> str | None:
    """The one value of `name`, or None; 400 when it repeats, is empty or lists several."""
    values = any_of(params, name)
    if values is not None and len(values) > 1:
        raise several(name)
    return values[0] if values else None


def several(name: str) -> BadSearch:
    """The 400 for comma-separated values (an OR) of a parameter that takes one."""
    return BadSearch(
        f"{name}: one value; comma-separated values (OR) are not supported for {name} "
        "(a comma inside a value is written \\,)"
    )


def wanted_ids(
    params: Params, prefixes: Mapping[str, Collection[str]], separator: str
) -> frozenset[uuid.UUID] | None:
    """The ids the parameters named in `prefixes` ask for; None when none is given.

    Each value is `<id>` or `<prefix><separator><id>` with one of the parameter's prefixes
    (anything else matches nothing); a parameter's comma-separated values are ORed, the
    parameters ANDed.
    """
    wanted: frozenset[uuid.UUID] | None = None
    for name, allowed in prefixes.items():
        values = any_of(params, name)
        if values is None:
            continue
        ids = frozenset[uuid.UUID]().union(
            *(_named_id(value, separator, allowed) for value in values)
        )
        wanted = ids if wanted is None else wanted & ids
    return wanted


def _named_id(value: str, separator: str, allowed: Collection[str]) -> frozenset[uuid.UUID]:
    prefix, _, ident = value.rpartition(separator)
    return one_id(ident) if prefix in {"", *allowed} else frozenset()


def date_bounds(name: str, values: Sequence[str]) -> tuple[date | None, date | None]:
    """The `[from, before)` days that `eq/ge/gt/le/lt`-prefixed dates (ANDed) leave open."""
    return _bounds(name, values, _day_range)


def instant_bounds(name: str, values: Sequence[str]) -> tuple[datetime | None, datetime | None]:
    """The `[from, before)` instants that prefixed dates or date-times (ANDed) leave open.

    A value covers its precision: `2026-12-01` the whole UTC day, `2026-12-01T10:00Z` the
    minute, `2026-12-01T10:00:05Z` the second; without an offset a time is read as UTC.
    """
    return _bounds(name, values, _instant_range)


def last_updated(params: Params) -> tuple[datetime | None, datetime | None]:
    """The `[from, before)` instants of `_lastUpdated`."""
    return instant_bounds(LAST_UPDATED, params.get(LAST_UPDATED, []))


def _bounds(
    name: str, values: Sequence[str], value_range: Callable[[str, str], tuple[T, T]]
) -> tuple[T | None, T | None]:
    start: T | None = None
    before: T | None = None
    for value in values:
        if _OR.search(value):
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
    precision = (
        timedelta(microseconds=1)
        if "." in clock
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


def _integer(params: Params, name: str, default: int, *, low: int, high: int) -> int:
    text = single(params, name)
    if text is None:
        return default
    # `isdigit` alone takes `²` or `①`, which int() refuses.
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise BadSearch(f"{name}: a whole number from {low} to {high}")
    return int(text)


def midnight(day: date | None) -> datetime | None:
    """The start of `day` in UTC (None stays None)."""
    return None if day is None else _utc_midnight(day)


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def reference_id(params: Params, name: str, *kinds: str) -> uuid.UUID | None:
    """The id in `name=<id>` or `name=<kind>/<id>` (any of `kinds`), or None when absent.

    400 for anything else.
    """
    text = single(params, name)
    if text is None:
        return None
    kind, _, ident = text.rpartition("/")
    try:
        if kind in {"", *kinds}:
            return uuid.UUID(ident)
    except ValueError:
        pass
    raise BadSearch(f"{name}: {text!r} is not a {' or '.join(kinds)} id")


def path_id(text: str, resource_type: str) -> uuid.UUID:
    """The id in a read's path; 404 when it is no UUID (no such resource)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(f"no such {resource_type}") from None


def one_id(text: str) -> frozenset[uuid.UUID]:
    """The one id `text` names, or none when it is no UUID (a filter that matches nothing)."""
    try:
        return frozenset({uuid.UUID(text)})
    except ValueError:
        return frozenset()
