"""The IANA time zones a clinic, a practitioner or a patient may name."""

import functools
import zoneinfo

NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
"""Files of the zone database that name no place: the server's own zone, a template, a stub."""


@functools.cache
def known_time_zones() -> frozenset[str]:
    """Every zone of the tz database that names a place (`Europe/Paris`, `UTC`)."""
    return frozenset(zoneinfo.available_timezones()) - NOT_ZONES
