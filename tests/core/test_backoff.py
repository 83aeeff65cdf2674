"""The one retry back-off formula: doubling from a base, capped, optionally spread upwards."""

import pytest

from hduce.core.backoff import retry_delay


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 30.0), (2, 60.0), (3, 120.0), (7, 1920.0), (8, 3600.0), (9, 3600.0), (40, 3600.0)],
)
def test_the_delay_doubles_from_the_base_after_each_attempt_up_to_the_cap(
    attempt: int, expected: float
) -> None:
    # The notifications and webhooks defaults: retry_base 30 s, retry_max 1 h.
    assert retry_delay(attempt, 30.0, 3600.0) == expected


def test_a_very_long_run_of_attempts_waits_the_cap_instead_of_overflowing() -> None:
    # `base * 2 ** (attempt - 1)` raised OverflowError from the 1025th attempt on.
    assert retry_delay(5000, 0.5, 10.0) == 10.0


def test_jitter_spreads_the_delay_upwards_within_its_share() -> None:
    # The busy put-off: 0.5 s doubled per busy return, up to 10 s, times 1 to 1.5.
    for attempt, plain in ((1, 0.5), (3, 2.0), (6, 10.0), (30, 10.0)):
        spread = [retry_delay(attempt, 0.5, 10.0, jitter=0.5) for _ in range(200)]
        assert all(plain <= delay <= plain * 1.5 for delay in spread), (attempt, spread)
        assert len(set(spread)) > 1, "the returns are spread, not all at once"
        assert max(spread) > plain * 1.25 and min(spread) < plain * 1.25
