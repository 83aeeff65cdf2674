"""Free-slot arithmetic: local weekly hours and exceptions to UTC intervals, minus bookings.

Pure functions, no I/O. Local wall-clock times are turned into instants per date with the
practitioner's time zone, so a 09:00 opening stays 09:00 on both sides of a DST change; the
grid of candidate starts then steps in absolute time from each opening.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

TIME_OFF, EXTRA_HOURS = "time_off", "extra_hours"

Interval = tuple[datetime, datetime]


class LocalWindow(msgspec.Struct, frozen=True):
    """Opening hours on one weekday (0 is Monday), in local time."""

    weekday: int
    start: time
    end: time


class LocalException(msgspec.Struct, frozen=True):
    """Time off or extra hours on one local date; time off without times is the whole day."""

    on_date: date
    kind: str
    start: time | None = None
    end: time | None = None


class ScheduleRules(msgspec.Struct, frozen=True):
    """A practitioner's time zone, weekly hours and dated exceptions."""

    timezone: str
    weekly: tuple[LocalWindow, ...] = ()
    exceptions: tuple[LocalException, ...] = ()


class SlotSpec(msgspec.Struct, frozen=True):
    """How long a visit lasts and how much time it blocks around it."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)

    def blocked(self, start: datetime) -> Interval:
        """The practitioner's time a visit starting at `start` occupies."""
        return start - self.buffer_before, start + self.duration + self.buffer_after


def local_dates(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[date]:
    """Every local date that `[start, end)` touches in `zone`."""
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def instant(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (a time skipped by DST moves forward)."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of intervals."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif start < end:
            merged.append((start, end))
    return merged


def subtract(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """`intervals` without the parts covered by `holes`."""
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            pieces = [
                piece
                for a, b in pieces
                for piece in ((a, min(b, hole_start)), (max(a, hole_end), b))
                if piece[0] < piece[1]
            ]
        result.extend(pieces)
    return result


def open_intervals(rules: ScheduleRules, start: datetime, end: datetime) -> list[Interval]:
    """The practitioner's openings that overlap `[start, end)`, whole, as merged UTC intervals.

    Time off is taken from the weekly hours, then extra hours are added on top: a day off with
    an evening clinic instead is open in the evening.
    """
    zone = ZoneInfo(rules.timezone)
    opened: list[Interval] = []
    extra: list[Interval] = []
    closed: list[Interval] = []
    # One local day of margin on each side: a window may reach across local midnight in UTC.
    for day in local_dates(start - timedelta(days=1), end + timedelta(days=1), zone):
        weekday = day.weekday()
        opened += [
            (instant(day, w.start, zone), instant(day, w.end, zone))
            for w in rules.weekly
            if w.weekday == weekday
        ]
        for exception in rules.exceptions:
            if exception.on_date != day:
                continue
            if exception.start is None or exception.end is None:
                next_day = day + timedelta(days=1)
                closed.append((instant(day, time(0), zone), instant(next_day, time(0), zone)))
                continue
            window = (instant(day, exception.start, zone), instant(day, exception.end, zone))
            (extra if exception.kind == EXTRA_HOURS else closed).append(window)
    openings = merge([*subtract(merge(opened), merge(closed)), *extra])
    # Whole openings, not clipped: the grid of starts is anchored at each opening's beginning.
    return [(a, b) for a, b in openings if a < end and start < b]


def free_starts(
    openings: Sequence[Interval],
    busy: Sequence[Interval],
    spec: SlotSpec,
    step: timedelta,
    earliest: datetime,
    latest: datetime,
) -> list[datetime]:
    """Starts on a `step` grid from each opening, free of `busy`, in `[earliest, latest]`.

    A start qualifies when the visit fits in its opening and the time it blocks (visit plus
    buffers) overlaps no busy interval.
    """
    busy = sorted(busy)
    starts: list[datetime] = []
    index = 0
    for open_start, open_end in openings:
        candidate = open_start
        while candidate + spec.duration <= open_end and candidate <= latest:
            blocked_start, blocked_end = spec.blocked(candidate)
            while index < len(busy) and busy[index][1] <= blocked_start:
                index += 1
            clash = index < len(busy) and busy[index][0] < blocked_end
            if candidate >= earliest and not clash:
                starts.append(candidate)
            candidate += step
    return starts


def opening_of(openings: Sequence[Interval], start: datetime, end: datetime) -> Interval | None:
    """The opening `[start, end)` lies within, if any."""
    return next(((a, b) for a, b in openings if a <= start and end <= b), None)


def on_grid(opening: Interval, start: datetime, step: timedelta) -> bool:
    """Whether `start` is on the `step` grid `free_starts` lays from the opening's beginning."""
    return (start - opening[0]) % step == timedelta(0)
