"""API schema bases and field types shared by plugins."""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

import asyncpg
import msgspec
from msgspec import UNSET

from hduce.core.control_characters import check_controls
from hduce.core.text_patterns import matching

CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?"
"""How a time of day is written: `HH:MM` or `HH:MM:SS` (no fraction, no offset)."""
ClockTime = Annotated[
    str,
    matching(
        f"^{CLOCK}$",
        "a time of day, `HH:MM` or `HH:MM:SS` (00:00 to 23:59)",
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


def check_birth_date(born: object) -> None:
    """Refuse (`ValueError`, a 422 naming `date_of_birth`) a date of birth in the future.

    The future begins after today somewhere on Earth: UTC+14 is the first to start a day.
    """
    if isinstance(born, date) and born > (datetime.now(UTC) + timedelta(hours=14)).date():
        raise ValueError("date of birth is in the future - at `$.date_of_birth`")


class Input(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: keyword-only fields, unknown fields refused (422).

    Text with a control character (but tabs and line breaks) is refused too, naming the field
    (422), except in the fields of `kept_as_sent`. A subclass with a `__post_init__` of its own
    calls this one first.
    """

    kept_as_sent: ClassVar[frozenset[str]] = frozenset()
    """Fields whose text is taken as sent, control characters and all (passwords)."""

    def __post_init__(self) -> None:
        """Refuse control characters in text (422 naming the field)."""
        check_controls(self, self.kept_as_sent)


class Read(msgspec.Struct, kw_only=True):
    """Base of response bodies built from database rows."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any], **values: Any) -> Self:
        """The struct of a row's columns named like its fields, converted by msgspec.

        Text becomes enums and the like, as when decoding JSON; columns that are no field are
        left out. `values` add or override fields (`UNSET` leaves one at its default).
        """
        data = dict(row)
        for name, value in values.items():
            if value is UNSET:
                data.pop(name, None)
            else:
                data[name] = value
        return msgspec.convert(data, cls)

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> list[Self]:
        """The structs of many rows, as `from_row` without `values`, in one conversion.

        asyncpg records are read by position against the first one's column names: a dict
        per record built that way costs about half of `dict(record)`.
        """
        if not rows:
            return []
        if isinstance(rows[0], asyncpg.Record):
            names = list(rows[0].keys())
            rows = [dict(zip(names, row.values(), strict=False)) for row in rows]
        return msgspec.convert(rows, list[cls])


ItemT = TypeVar("ItemT")


class Page(msgspec.Struct, Generic[ItemT], kw_only=True):
    """One page of a list and the total number of matches (`limit`/`offset` paging).

    In the OpenAPI document `Page[UserRead]` is the component `UserPage` (see `core.openapi`).
    """

    items: list[ItemT]
    total: int
    limit: int
    offset: int
