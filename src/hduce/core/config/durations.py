"""Human-friendly durations in config: `45s`, `30m`, `24h`, `7d` or plain seconds."""

import re
from typing import Any

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


class Duration(float):
    """A length of time in seconds, written in config as `30m`, `24h`, `45s` or a number."""

    @classmethod
    def parse(cls, value: Any) -> "Duration":
        """Parse a number of seconds or a string with a unit suffix."""
        if isinstance(value, bool):
            raise ValueError("expected a duration such as `30m`, got a boolean")
        if isinstance(value, int | float):
            seconds = float(value)
        elif isinstance(value, str) and (match := _PATTERN.match(value)):
            seconds = float(match[1]) * _UNITS[match[2] or "s"]
        else:
            raise ValueError(f"expected a duration such as `45s`, `30m`, `24h`, got {value!r}")
        if seconds < 0:
            raise ValueError(f"a duration cannot be negative, got {value!r}")
        return cls(seconds)

    def __str__(self) -> str:
        for unit in ("d", "h", "m"):
            count = self / _UNITS[unit]
            if count >= 1 and count == int(count):
                return f"{int(count)}{unit}"
        return f"{float(self):g}s"


class PositiveDuration(Duration):
    """A duration above zero: a timeout, interval or lifetime that 0 would break, not turn off."""

    @classmethod
    def parse(cls, value: Any) -> "PositiveDuration":
        """`Duration.parse`, refusing zero."""
        seconds = Duration.parse(value)
        if seconds == 0:
            raise ValueError(f"a duration above zero is needed, got {value!r}")
        return cls(seconds)
