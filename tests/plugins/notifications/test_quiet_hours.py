"""Quiet hours: when a window around `now` ends, in the user's time zone."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from hduce.plugins.notifications.services._quiet_hours import quiet_until

PARIS = ZoneInfo("Europe/Paris")
NIGHT = (time(22, 0), time(7, 0))


def test_outside_the_window_nothing_waits() -> None:
    noon = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Paris
    assert quiet_until(noon, *NIGHT, PARIS) is None


def test_late_evening_waits_until_next_morning_local_time() -> None:
    evening = datetime(2026, 6, 1, 21, 30, tzinfo=UTC)  # 23:30 in Paris (UTC+2)
    assert quiet_until(evening, *NIGHT, PARIS) == datetime(2026, 6, 2, 5, 0, tzinfo=UTC)


def test_early_morning_waits_until_the_same_morning() -> None:
    early = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # 03:00 in Paris
    assert quiet_until(early, *NIGHT, PARIS) == datetime(2026, 6, 2, 5, 0, tzinfo=UTC)


def test_window_end_keeps_wall_clock_time_across_a_dst_change() -> None:
    # The night of 24-25 October 2026: Paris goes from UTC+2 back to UTC+1.
    before_change = datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # 23:00 local, UTC+2
    assert quiet_until(before_change, *NIGHT, PARIS) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)


def test_a_daytime_window_and_the_end_itself() -> None:
    window = (time(12, 0), time(14, 0))
    lunch = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)  # 13:00 in Paris
    assert quiet_until(lunch, *window, PARIS) == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    at_end = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # 14:00: the window is over
    assert quiet_until(at_end, *window, PARIS) is None


def test_an_empty_window_never_waits() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert quiet_until(now, time(9, 0), time(9, 0), PARIS) is None


def test_an_end_the_fall_back_night_reads_twice_is_the_one_still_to_come() -> None:
    # Seen: at 01:15 EST (the repeated hour's second pass) a 22:00-01:30 window "ended" at
    # 01:30 EDT, 45 minutes before, and non-critical messages went out at once.
    new_york = ZoneInfo("America/New_York")
    first_pass = datetime(2027, 11, 7, 5, 15, tzinfo=UTC)  # 01:15 EDT
    second_pass = datetime(2027, 11, 7, 6, 15, tzinfo=UTC)  # 01:15 EST
    for start in (time(22, 0), time(1, 0)):
        window = (start, time(1, 30))
        assert quiet_until(first_pass, *window, new_york) == datetime(
            2027, 11, 7, 5, 30, tzinfo=UTC
        )
        assert quiet_until(second_pass, *window, new_york) == datetime(
            2027, 11, 7, 6, 30, tzinfo=UTC
        )
