"""The IANA time zones a clinic, a practitioner or a patient may name; times read as UTC."""

import functools
import zoneinfo
from datetime import UTC, datetime

NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
"""Files of the zone database that name no place: the server's own zone, a template, a stub."""


@functools.cache
def known_time_zones() -> frozenset[str]:
    """Every zone of the tz database that names a place (`Europe/Paris`, `UTC`)."""
    return frozenset(zoneinfo.available_timezones()) - NOT_ZONES


def as_utc(moment: datetime | None) -> datetime | None:
    """Read a time without an offset as UTC (one with an offset, or None, as it is)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
