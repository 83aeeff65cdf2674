"""Free-slot arithmetic: local weekly hours and exceptions to UTC intervals, minus bookings.

Pure functions, no I/O. Local wall-clock times are turned into instants per date with the
practitioner's time zone, so a 09:00 opening stays 09:00 on both sides of a DST change: a window
covers every instant whose wall-clock time on its date falls in it (nothing of a DST gap, both
passes of a repeated hour). The grid of candidate starts then steps in absolute time from the
start of each opening of the weekly and extra hours; time off removes starts, never moves it.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import msgspec

TIME_OFF, EXTRA_HOURS = "time_off", "extra_hours"

Interval = tuple[datetime, datetime]
SECOND = timedelta(seconds=1)
# UTC offsets run from -12:00 to +14:00: a local day lies within these hours of UTC's.
EARLIEST_OFFSET, LATEST_OFFSET = timedelta(hours=14), timedelta(hours=12)


class Opening(NamedTuple):
    """Open time `[start, end)` and `grid_from`, the instant its grid of starts counts from."""

    start: datetime
    end: datetime
    grid_from: datetime


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


def wall_intervals(first: datetime, until: datetime, zone: ZoneInfo) -> list[Interval]:
    """The UTC intervals of every instant whose wall-clock time in `zone` is in `[first, until)`.

    `first` and `until` are naive local times: a DST gap covers nothing, a repeated hour both
    of its passes.
    """
    first, until = first.replace(tzinfo=UTC), until.replace(tzinfo=UTC)
    spans = _offset_spans(first - EARLIEST_OFFSET, until + LATEST_OFFSET, zone)
    return merge((max(a, first - offset), min(b, until - offset)) for a, b, offset in spans)


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta | None:
    return moment.astimezone(zone).utcoffset()


def _offset_spans(
    low: datetime, high: datetime, zone: ZoneInfo
) -> list[tuple[datetime, datetime, timedelta]]:
    """`[low, high)` cut where `zone`'s UTC offset changes, each span with its offset."""
    offset = _offset(low, zone) or timedelta(0)
    if _offset(high - SECOND, zone) == offset:
        return [(low, high, offset)]
    # Offsets change on a whole second: bisect the seconds after `low` for the first changed.
    before, after = 0, (high - low) // SECOND - 1
    while after - before > 1:
        middle = (before + after) // 2
        if _offset(low + middle * SECOND, zone) == offset:
            before = middle
        else:
            after = middle
    change = low + after * SECOND
    return [(low, change, offset), *_offset_spans(change, high, zone)]


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


def open_intervals(rules: ScheduleRules, start: datetime, end: datetime) -> list[Opening]:
    """The practitioner's openings that overlap `[start, end)`, whole, in UTC.

    Time off is taken from the weekly hours, then extra hours are added on top: a day off with
    an evening clinic instead is open in the evening. Each opening's grid counts from the start
    of the weekly and extra hours it lies in, so time off takes starts away and moves none.
    """
    zone = ZoneInfo(rules.timezone)
    hours: list[Interval] = []
    extra: list[Interval] = []
    closed: list[Interval] = []
    # One local day of margin on each side: a window may reach across local midnight in UTC.
    for day in local_dates(start - timedelta(days=1), end + timedelta(days=1), zone):
        weekday = day.weekday()
        for w in rules.weekly:
            if w.weekday == weekday:
                hours += wall_intervals(_at(day, w.start), _at(day, w.end), zone)
        for exception in rules.exceptions:
            if exception.on_date != day:
                continue
            if exception.start is None or exception.end is None:
                closed += wall_intervals(_at(day, time(0)), _at(day + timedelta(days=1)), zone)
                continue
            window = wall_intervals(_at(day, exception.start), _at(day, exception.end), zone)
            (extra if exception.kind == EXTRA_HOURS else closed).extend(window)
    frames = merge([*hours, *extra])
    holes = subtract(merge(closed), merge(extra))
    # Whole openings, not clipped: the grid of starts is anchored at each frame's beginning.
    return [
        Opening(a, b, frame_start)
        for frame_start, frame_end in frames
        for a, b in subtract([(frame_start, frame_end)], holes)
        if a < end and start < b
    ]


def _at(day: date, moment: time = time(0)) -> datetime:
    """The naive local date-time of `moment` on `day`."""
    return datetime.combine(day, moment)


def free_starts(
    openings: Sequence[Opening],
    busy: Sequence[Interval],
    spec: SlotSpec,
    step: timedelta,
    earliest: datetime,
    latest: datetime,
) -> list[datetime]:
    """Starts on each opening's `step` grid, free of `busy`, in `[earliest, latest]`.

    A start qualifies when the visit fits in its opening and the time it blocks (visit plus
    buffers) overlaps no busy interval.
    """
    busy = sorted(busy)
    starts: list[datetime] = []
    index = 0
    for open_start, open_end, grid_from in openings:
        candidate = grid_from - (grid_from - open_start) // step * step
        while candidate + spec.duration <= open_end and candidate <= latest:
            blocked_start, blocked_end = spec.blocked(candidate)
            while index < len(busy) and busy[index][1] <= blocked_start:
                index += 1
            clash = index < len(busy) and busy[index][0] < blocked_end
            if candidate >= earliest and not clash:
                starts.append(candidate)
            candidate += step
    return starts


def opening_of(openings: Sequence[Opening], start: datetime, end: datetime) -> Opening | None:
    """The opening `[start, end)` lies within, if any."""
    return next((o for o in openings if o.start <= start and end <= o.end), None)


def on_grid(opening: Opening, start: datetime, step: timedelta) -> bool:
    """Whether `start` is on the `step` grid `free_starts` lays in the opening."""
    return (start - opening.grid_from) % step == timedelta(0)
