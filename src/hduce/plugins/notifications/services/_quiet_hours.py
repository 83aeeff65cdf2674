"""Quiet hours: a daily window in the user's time zone when non-critical messages wait."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hduce.contracts.notifications import Category
from hduce.plugins.notifications.store import QuietHours

NEVER_QUIET = frozenset({Category.SECURITY, Category.CLINICAL_ALERTS})
"""Categories that go out during quiet hours even when not `critical` (e.g. a new sign-in).

Their messages are urgent to the reader; a user can still switch a non-critical one off on a
channel, except those of `ALWAYS_ON` (security messages always go out by e-mail, clinical
alerts by e-mail and in-app).
"""


def held_until(
    quiet: QuietHours | None, zone: str, *, category: str, channel: str, critical: bool
) -> datetime | None:
    """Until when (UTC) the `quiet` hours hold a message on `channel` now; None: it may go.

    Critical messages, the `NEVER_QUIET` categories and the in-app inbox never wait. `zone` is
    the recipient's time zone.
    """
    if quiet is None or critical or category in NEVER_QUIET or channel == "in_app":
        return None
    return quiet_until(datetime.now(UTC), quiet.start, quiet.end, zone_of(zone))


def quiet_until(now: datetime, start: time, end: time, timezone: ZoneInfo) -> datetime | None:
    """When the quiet window around `now` ends (UTC), or None if `now` is outside it.

    The window may span midnight (22:00-07:00). Local times are resolved on the calendar day
    they fall on, so a window keeps its wall-clock hours across daylight-saving changes (in
    the repeated hour of a fall-back night, until the end the clock reads next).
    """
    if start == end:
        return None
    local = now.astimezone(timezone)
    wall = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= wall < end
        end_day = local.date()
    else:
        inside = wall >= start or wall < end
        end_day = local.date() + timedelta(days=1) if wall >= start else local.date()
    if not inside:
        return None
    # A fall-back night reads an end in its repeated hour twice: the first one after `now`.
    local_end = datetime.combine(end_day, end, tzinfo=timezone)
    ends = sorted({local_end.replace(fold=fold).astimezone(UTC) for fold in (0, 1)})
    return next((at for at in ends if at > now), ends[-1])


def zone_of(name: str) -> ZoneInfo:
    """The time zone called `name`; UTC for a name it does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
