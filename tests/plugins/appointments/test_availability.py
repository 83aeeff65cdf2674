"""The slot arithmetic on its own: DST nights, exceptions, buffers and the busy sweep."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from hduce.plugins.appointments.services._availability import (
    LocalException,
    LocalWindow,
    Opening,
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
DAY = timedelta(days=1)


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
    # The time off takes 10:00-11:00 away; the grid after it still counts from 09:00.
    assert open_intervals(rules, utc(day, 0), utc(day, 23)) == [
        Opening(utc(day, 9), utc(day, 10), utc(day, 9)),
        Opening(utc(day, 11), utc(day, 13), utc(day, 9)),
        Opening(utc(day, 15), utc(day, 16), utc(day, 15)),
    ]
    next_week = day + timedelta(days=7)
    assert open_intervals(rules, utc(next_week, 0), utc(next_week, 23)) == []
    openings = open_intervals(rules, utc(day, 0), utc(day, 23))
    late_morning = Opening(utc(day, 11), utc(day, 13), utc(day, 9))
    assert opening_of(openings, utc(day, 12), utc(day, 13)) == late_morning
    assert opening_of(openings, utc(day, 9, 45), utc(day, 10, 15)) is None
    quarter = timedelta(minutes=15)
    assert on_grid(late_morning, utc(day, 12, 15), quarter)
    assert not on_grid(late_morning, utc(day, 12, 7), quarter)


def test_extra_hours_are_added_after_time_off_is_taken_from_the_weekly_hours() -> None:
    day = date(2027, 1, 4)  # a Monday
    weekly = (LocalWindow(0, time(9), time(12)),)
    day_off = LocalException(day, "time_off")
    evening = LocalException(day, "extra_hours", time(18), time(20))
    lunch_off = LocalException(day, "time_off", time(10), time(11))
    late_morning = LocalException(day, "extra_hours", time(10, 30), time(11, 30))
    rules = ScheduleRules("UTC", weekly=weekly, exceptions=(day_off, evening))
    assert open_intervals(rules, utc(day, 0), utc(day, 23)) == [
        Opening(utc(day, 18), utc(day, 20), utc(day, 18))
    ]
    rules = ScheduleRules("UTC", weekly=weekly, exceptions=(lunch_off, late_morning))
    assert open_intervals(rules, utc(day, 0), utc(day, 23)) == [
        Opening(utc(day, 9), utc(day, 10), utc(day, 9)),
        Opening(utc(day, 10, 30), utc(day, 12), utc(day, 9)),
    ]


def test_buffers_keep_slots_clear_of_bookings_on_both_sides() -> None:
    day = date(2027, 1, 4)
    spec = SlotSpec(timedelta(minutes=30), timedelta(minutes=10), timedelta(minutes=5))
    busy = [(utc(day, 10), utc(day, 10, 30))]
    starts = free_starts(
        [Opening(utc(day, 9), utc(day, 12), utc(day, 9))],
        busy,
        spec,
        timedelta(minutes=15),
        utc(day, 9),
        utc(day, 12),
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


def quick_starts(rules: ScheduleRules, day: date) -> list[str]:
    """The day's free 15-minute starts, as local `HH:MM` with the UTC offset."""
    zone = ZoneInfo(rules.timezone)
    openings = open_intervals(rules, utc(day, 0) - timedelta(hours=3), utc(day, 23))
    quarter = timedelta(minutes=15)
    starts = free_starts(openings, [], SlotSpec(quarter), quarter, utc(day, 0) - DAY, utc(day, 23))
    return [s.astimezone(zone).strftime("%H:%M%z") for s in starts]


def test_time_off_off_the_grid_takes_the_starts_it_overlaps_and_keeps_the_grid() -> None:
    # Seen: 10:07-10:13 off made the rest of the day 10:13, 10:28, ... and refused 15:00.
    day = date(2026, 12, 27)
    rules = ScheduleRules(
        "UTC",
        weekly=(LocalWindow(day.weekday(), time(9, 30), time(12)),),
        exceptions=(LocalException(day, "time_off", time(10, 7), time(10, 13)),),
    )
    starts = quick_starts(rules, day)
    assert [s[:5] for s in starts] == ["09:30", "09:45", "10:15", "10:30", "10:45"] + [
        f"{h}:{m:02}" for h in (11,) for m in (0, 15, 30, 45)
    ]
    openings = open_intervals(rules, utc(day, 0), utc(day, 23))
    later = opening_of(openings, utc(day, 11), utc(day, 11, 15))
    assert later is not None and on_grid(later, utc(day, 11), timedelta(minutes=15))


def test_time_off_in_a_dst_gap_covers_nothing_and_in_a_repeated_hour_both_passes() -> None:
    # Seen: 02:00-02:30 off in the spring gap took 03:00-03:30 CEST; in autumn only the CEST pass.
    spring = ScheduleRules(
        "Europe/Paris",
        weekly=(LocalWindow(SPRING_FORWARD.weekday(), time(1), time(5)),),
        exceptions=(LocalException(SPRING_FORWARD, "time_off", time(2), time(2, 30)),),
    )
    starts = quick_starts(spring, SPRING_FORWARD)
    assert starts[:5] == ["01:00+0100", "01:15+0100", "01:30+0100", "01:45+0100", "03:00+0200"]
    assert len(starts) == 12
    reaching = LocalException(SPRING_FORWARD, "time_off", time(2, 30), time(3, 30))
    past_three = msgspec.structs.replace(spring, exceptions=(reaching,))
    assert quick_starts(past_three, SPRING_FORWARD)[4] == "03:30+0200"
    autumn = ScheduleRules(
        "Europe/Paris",
        weekly=(LocalWindow(FALL_BACK.weekday(), time(1), time(5)),),
        exceptions=(LocalException(FALL_BACK, "time_off", time(2), time(2, 30)),),
    )
    starts = quick_starts(autumn, FALL_BACK)
    assert not [s for s in starts if s.startswith(("02:00", "02:15"))], starts
    assert "02:30+0200" in starts and "02:30+0100" in starts
    assert len(starts) == 5 * 4 - 4


def test_extra_hours_in_a_dst_gap_open_nothing_and_in_a_repeated_hour_both_passes() -> None:
    spring = ScheduleRules(
        "Europe/Paris",
        exceptions=(LocalException(SPRING_FORWARD, "extra_hours", time(2, 15), time(3, 30)),),
    )
    assert quick_starts(spring, SPRING_FORWARD) == ["03:00+0200", "03:15+0200"]
    autumn = ScheduleRules(
        "Europe/Paris",
        exceptions=(LocalException(FALL_BACK, "extra_hours", time(2), time(2, 30)),),
    )
    assert quick_starts(autumn, FALL_BACK) == [
        "02:00+0200",
        "02:15+0200",
        "02:00+0100",
        "02:15+0100",
    ]
