"""The slot arithmetic on its own: DST nights, exceptions, buffers and the busy sweep."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hduce.plugins.appointments.services._availability import (
    LocalException,
    LocalWindow,
    ScheduleRules,
    SlotSpec,
    free_starts,
    on_grid,
    open_intervals,
    opening_of,
)

PARIS = ZoneInfo("Europe/Paris")
SPRING_FORWARD = date(2027, 3, 28)  # 02:00 CET becomes 03:00 CEST
FALL_BACK = date(2027, 10, 31)  # 03:00 CEST becomes 02:00 CET
HALF_HOUR = SlotSpec(timedelta(minutes=30))


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def night_shift(day: date) -> ScheduleRules:
    """01:00-04:00 local on `day` only."""
    exception = LocalException(day, "extra_hours", time(1), time(4))
    return ScheduleRules("Europe/Paris", exceptions=(exception,))


def test_a_night_window_is_shorter_in_spring_and_longer_in_autumn() -> None:
    for day, hours in ((SPRING_FORWARD, 2), (FALL_BACK, 4)):
        (opening,) = open_intervals(night_shift(day), utc(day, 0) - timedelta(hours=3), utc(day, 6))
        assert opening[1] - opening[0] == timedelta(hours=hours)
        starts = free_starts(
            [opening], [], HALF_HOUR, timedelta(minutes=30), opening[0], opening[1]
        )
        assert len(starts) == hours * 2
        assert starts[0].astimezone(PARIS).time() == time(1)


def test_weekly_hours_minus_time_off_plus_extra_hours() -> None:
    day = date(2027, 1, 4)  # a Monday
    rules = ScheduleRules(
        "UTC",
        weekly=(LocalWindow(0, time(9), time(12)), LocalWindow(0, time(11), time(13))),
        exceptions=(
            LocalException(day, "time_off", time(10), time(11)),
            LocalException(day, "extra_hours", time(15), time(16)),
            LocalException(day + timedelta(days=7), "time_off"),
        ),
    )
    assert open_intervals(rules, utc(day, 0), utc(day, 23)) == [
        (utc(day, 9), utc(day, 10)),
        (utc(day, 11), utc(day, 13)),
        (utc(day, 15), utc(day, 16)),
    ]
    next_week = day + timedelta(days=7)
    assert open_intervals(rules, utc(next_week, 0), utc(next_week, 23)) == []
    openings = open_intervals(rules, utc(day, 0), utc(day, 23))
    assert opening_of(openings, utc(day, 12), utc(day, 13)) == (utc(day, 11), utc(day, 13))
    assert opening_of(openings, utc(day, 9, 45), utc(day, 10, 15)) is None
    quarter = timedelta(minutes=15)
    assert on_grid((utc(day, 11), utc(day, 13)), utc(day, 12, 15), quarter)
    assert not on_grid((utc(day, 11), utc(day, 13)), utc(day, 12, 7), quarter)


def test_extra_hours_are_added_after_time_off_is_taken_from_the_weekly_hours() -> None:
    day = date(2027, 1, 4)  # a Monday
    weekly = (LocalWindow(0, time(9), time(12)),)
    day_off = LocalException(day, "time_off")
    evening = LocalException(day, "extra_hours", time(18), time(20))
    lunch_off = LocalException(day, "time_off", time(10), time(11))
    late_morning = LocalException(day, "extra_hours", time(10, 30), time(11, 30))
    rules = ScheduleRules("UTC", weekly=weekly, exceptions=(day_off, evening))
    assert open_intervals(rules, utc(day, 0), utc(day, 23)) == [(utc(day, 18), utc(day, 20))]
    rules = ScheduleRules("UTC", weekly=weekly, exceptions=(lunch_off, late_morning))
    assert open_intervals(rules, utc(day, 0), utc(day, 23)) == [
        (utc(day, 9), utc(day, 10)),
        (utc(day, 10, 30), utc(day, 12)),
    ]


def test_buffers_keep_slots_clear_of_bookings_on_both_sides() -> None:
    day = date(2027, 1, 4)
    spec = SlotSpec(timedelta(minutes=30), timedelta(minutes=10), timedelta(minutes=5))
    busy = [(utc(day, 10), utc(day, 10, 30))]
    starts = free_starts(
        [(utc(day, 9), utc(day, 12))], busy, spec, timedelta(minutes=15), utc(day, 9), utc(day, 12)
    )
    # 09:15 would block until 09:50; 09:30 until 10:05 (clash); 10:30 starts its buffer at 10:20.
    assert [s.strftime("%H:%M") for s in starts] == [
        "09:00",
        "09:15",
        "10:45",
        "11:00",
        "11:15",
        "11:30",
    ]
