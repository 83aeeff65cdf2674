"""The notifications contract: how any plugin sends a message to a user or an address."""

import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, time
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from hduce.contracts.users import ContactDetails
from hduce.core.security import Principal


class Category(StrEnum):
    """What a notification is about; users switch channels on or off per category."""

    SECURITY = "security"
    APPOINTMENTS = "appointments"
    DOCUMENTS = "documents"
    CLINICAL_ALERTS = "clinical_alerts"
    GENERAL = "general"


ALWAYS_ON: frozenset[tuple[Category, str]] = frozenset(
    {
        (Category.SECURITY, "email"),
        (Category.CLINICAL_ALERTS, "email"),
        (Category.CLINICAL_ALERTS, "in_app"),
    }
)
"""(category, channel) switches no user can turn off: security messages always go out by e-mail,
clinical alerts always reach the clinician by e-mail and in the inbox (SMS and push follow the
switches)."""


class Notice(msgspec.Struct, frozen=True):
    """One notification to queue: `template` rendered with `data` for `recipient`.

    `recipient` is a user id or an e-mail address; `critical` messages ignore quiet hours and
    channel opt-outs (security and clinical alerts ignore quiet hours in any case); a repeated
    `key` (e.g. the id of the event being handled) sends nothing more.
    `contact`: the recipient's details when the sender has just read them from the directory
    (the notifier then does not read them again). `about` names what the message is about (e.g.
    `appointment:<id>:reminder`) so that `Notifier.withdraw` can take it back while unsent;
    a delivery still unsent at `send_before` is skipped (a reminder after the visit started).
    """

    recipient: uuid.UUID | str
    template: str
    data: Mapping[str, Any]
    category: Category
    critical: bool = False
    key: str | None = None
    contact: ContactDetails | None = None
    about: str | None = None
    send_before: datetime | None = None


class Notifier(Protocol):
    """Sends templated notifications (provided by the notifications plugin).

    A provider implements `send`; `notify` is the positional form every caller uses.
    """

    async def notify(
        self,
        recipient: uuid.UUID | str,
        template: str,
        data: Mapping[str, Any],
        category: Category,
        *,
        critical: bool = False,
        key: str | None = None,
        contact: ContactDetails | None = None,
        about: str | None = None,
        send_before: datetime | None = None,
    ) -> uuid.UUID:
        """Queue one `Notice` for `recipient`; see `send`."""
        notice = Notice(
            recipient, template, data, category, critical, key, contact, about, send_before
        )
        return await self.send(notice)

    async def send(self, notice: Notice) -> uuid.UUID:
        """Queue `notice`, its delivery records written inside the caller's transaction.

        A rolled-back caller sends nothing, a committed one always sends. A repeated key returns
        the first notification's id. Returns the notification id.
        """

    async def withdraw(self, about: str, reason: str) -> int:
        """Skip every unsent delivery of the notices `about` this, `reason` recorded.

        Runs in the caller's transaction (one statement); returns how many were withdrawn.
        """


class PushPublisher(Protocol):
    """Publishes a message to connected apps (provided by the embedded MQTT broker)."""

    async def publish(self, topic: str, payload: bytes) -> None:
        """Deliver `payload` to subscribers of `topic`, e.g. `users/<user id>/notifications`."""


class OneTimeLinks(Protocol):
    """Mails one-time tokens as links (provided by the notifications plugin).

    The message is rendered and queued inside the caller's transaction, so the token is kept
    only in the delivery record and the e-mail: never in an event or a task on the bus.
    """

    async def verification(
        self, user_id: uuid.UUID, token: str, expires_at: datetime, registered_at: datetime
    ) -> None:
        """Queue the e-mail whose link verifies the user's address.

        The link confirms the registration made at `registered_at`, which the e-mail names: its
        reader ignores it if that registration was not theirs.
        """

    async def password_reset(self, user_id: uuid.UUID, token: str, expires_at: datetime) -> None:
        """Queue the e-mail whose link resets the user's password."""

    async def invitation(self, user_id: uuid.UUID, token: str, expires_at: datetime) -> None:
        """Queue the e-mail saying the clinic opened an account for the user.

        Its link is the password-reset page's (the token a reset token): the user chooses their
        password there. It does not claim the user asked for anything.
        """


class InboxEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One in-app message as its recipient sees it."""

    id: uuid.UUID
    subject: str | None
    text: str
    created_at: datetime
    read_at: datetime | None


class InboxReader(Protocol):
    """A user's own in-app inbox (provided by the notifications plugin)."""

    async def latest(self, user_id: uuid.UUID, limit: int) -> tuple[list[InboxEntry], int]:
        """The user's newest messages and how many are unread."""

    async def mark_read(self, user_id: uuid.UUID, delivery_id: uuid.UUID) -> None:
        """Mark one of the user's messages read (idempotent); 404 for anyone else's."""

    async def mark_all_read(self, user_id: uuid.UUID) -> int:
        """Mark every unread message of the user read; how many changed."""


class DeliveryView(msgspec.Struct, frozen=True, kw_only=True):
    """One delivery of a notification on one channel, as administrators see it (no body)."""

    id: uuid.UUID
    notification_id: uuid.UUID
    recipient_id: uuid.UUID | None
    template: str
    category: str
    channel: str
    address: str
    status: str
    """`pending`, `deferred`, `sent`, `logged`, `failed` or `skipped`."""
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


class DeliveryQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A page of deliveries, newest first, of one status and channel (None: any)."""

    status: str | None = None
    channel: str | None = None
    limit: int = 50
    offset: int = 0


class DeliveryRecords(Protocol):
    """The delivery log for administrators (provided by the notifications plugin)."""

    async def recent(
        self, principal: Principal, query: DeliveryQuery
    ) -> tuple[list[DeliveryView], int]:
        """Deliveries newest first matching the filters, and the total; 403 for non-admins."""


class NotificationSettings(msgspec.Struct, frozen=True, kw_only=True):
    """A user's channel switches per category and daily quiet hours (in `timezone`)."""

    channels: dict[str, dict[str, bool]]
    quiet_hours: tuple[time, time] | None
    timezone: str


class SettingsChange(msgspec.Struct, frozen=True, kw_only=True):
    """Channel switches to merge in (category, then channel: on or off) and new quiet hours."""

    channels: Mapping[str, Mapping[str, bool]]
    quiet_hours: tuple[time, time] | None
    """Daily start and end in the user's time zone; None: no quiet hours."""


class OwnNotifications(Protocol):
    """A user's own settings and live inbox, as the notifications API gives them."""

    async def settings(self, user_id: uuid.UUID) -> NotificationSettings:
        """The effective settings (the clinic's defaults filled in)."""

    async def change_settings(
        self, user_id: uuid.UUID, change: SettingsChange
    ) -> NotificationSettings:
        """Merge `channels` into the switches and replace the quiet hours (422 if unknown)."""

    def live(self, principal: Principal, access_token: str) -> AsyncIterator[InboxEntry | None]:
        """New inbox entries as they arrive (None: keep-alive) while `access_token` is valid.

        The place among the user's live streams is taken at once (429 when none is left).
        """
