"""Request and response bodies of the notifications API."""

import uuid
from datetime import datetime, time
from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from hduce.contracts.notifications import Category, DeliveryView
from hduce.core.schemas import ClockTime, Read, format_clock, parse_clock

ChannelName = Literal["email", "sms", "push", "in_app"]
DeliveryStatus = Literal["pending", "sent", "logged", "failed", "skipped", "deferred"]
"""`logged`: written to the log instead of sent (development, no SMTP relay)."""


class InboxItem(Read, frozen=True):
    """One in-app notification."""

    id: uuid.UUID
    notification_id: uuid.UUID
    category: str
    template: str
    subject: str
    text: str
    created_at: datetime
    read_at: datetime | None


class InboxPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the caller's inbox, newest first."""

    items: list[InboxItem]
    total: int
    unread: int
    limit: int
    offset: int


class UnreadCount(msgspec.Struct, frozen=True):
    """How many inbox items the caller has not read."""

    unread: int


class MarkedRead(msgspec.Struct, frozen=True):
    """How many items a mark-all-read changed."""

    marked: int


class QuietHoursBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A daily window in the user's time zone as `HH:MM`, e.g. 22:00 to 07:00."""

    start: ClockTime
    end: ClockTime

    @classmethod
    def of(cls, start: time, end: time) -> "QuietHoursBody":
        """The window written as `HH:MM`."""
        return cls(start=format_clock(start), end=format_clock(end))

    def times(self) -> tuple[time, time]:
        """The window as times."""
        return parse_clock(self.start), parse_clock(self.end)


class PreferencesBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Channel switches to merge in per category, and quiet hours.

    Switches not given keep their current value (`security.email` cannot be turned off);
    quiet hours not given stay as they are, `null` clears them.
    """

    channels: dict[Category, dict[ChannelName, bool]] = {}
    quiet_hours: QuietHoursBody | UnsetType | None = UNSET


class PreferencesRead(msgspec.Struct, frozen=True, kw_only=True):
    """The caller's effective preferences; `timezone` comes from the profile.

    `channels.security.email` is always `true`: security messages always go out by e-mail.
    `channels.clinical_alerts` is there for clinicians (doctors, nurses) only.
    """

    channels: dict[str, dict[str, bool]]
    quiet_hours: QuietHoursBody | None
    timezone: str


class DeliveryRead(DeliveryView, Read, frozen=True, kw_only=True):
    """One delivery as administrators see it (without the message body)."""
