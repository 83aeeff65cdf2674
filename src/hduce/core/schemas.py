"""API field types shared by plugins."""

from datetime import time
from typing import Annotated

import msgspec

ClockTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        examples=["09:00"],
        description="A time of day, `HH:MM` (`HH:MM:SS` is accepted too)",
    ),
]
"""A time of day as people write it; answers use `format_clock`."""


def parse_clock(text: str) -> time:
    """The time a `ClockTime` names."""
    return time.fromisoformat(text)


def format_clock(moment: time) -> str:
    """`HH:MM`, or `HH:MM:SS` for a time with seconds, so nothing is lost on the way back."""
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
