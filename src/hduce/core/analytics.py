"""What plugins contribute to the clinic analytics, and the rounding they share."""

from collections.abc import Awaitable, Callable
from datetime import datetime

import msgspec

AnalyticsSource = Callable[[datetime, datetime], Awaitable[msgspec.Struct]]
"""A plugin's clinic figures for a period `[start, end)`, shown under its name."""


def ratio(part: float, whole: float) -> float | None:
    """`part / whole` rounded to 4 places; None when `whole` is 0 (nothing to compare with)."""
    return round(part / whole, 4) if whole else None
