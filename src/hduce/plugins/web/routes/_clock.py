"""Times of day typed into forms, read as the API reads them: `HH:MM` or `HH:MM:SS`."""

import re
from datetime import time

from hduce.core.schemas import CLOCK, parse_clock
from hduce.plugins.web.errors import BadInput

_CLOCK = re.compile(CLOCK)
_WITH_OFFSET = re.compile(CLOCK + r"(\.[0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)", re.IGNORECASE)


def clock(value: object, what: str, like: str = "09:30") -> time | None:
    """A time from a form field (`HH:MM` or `HH:MM:SS`); None when blank; 422 otherwise.

    A time with an offset (`09:00+05:00`, `09:00Z`) is refused in words: these times are on
    the clock of a time zone set apart (the practitioner's, the patient's), which an offset would
    contradict (it used to be dropped without a word).
    """
    text = str(value or "").strip()
    if not text:
        return None
    if _CLOCK.fullmatch(text):
        return parse_clock(text)
    said = f"{what} is not a time like {like}"
    if _WITH_OFFSET.fullmatch(text):
        said = f"{what}: {text} has a time offset; give the local time alone, like {like}"
    raise BadInput(said)


def shown_clock(moment: time) -> str:
    """`HH:MM` for a form's time field, `HH:MM:SS` when the seconds count (23:59:59)."""
    return moment.isoformat() if moment.second or moment.microsecond else moment.strftime("%H:%M")
