"""Request and response bodies of the webhooks API."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from hduce.core.schemas import Input, Read
from hduce.core.text_patterns import matching

DeliveryStatus = Literal["pending", "delivered", "failed", "skipped"]
Url = Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]
Pattern = Annotated[
    str,
    matching(
        r"^[a-z_.*]+$",
        "an event name or pattern: lower-case letters, `_`, `.` and `*` (`appointment.*`)",
        min_length=1,
        max_length=100,
    ),
]
Patterns = Annotated[list[Pattern], msgspec.Meta(min_length=1, max_length=50)]
Description = Annotated[str, msgspec.Meta(max_length=500)]


class WebhookCreate(Input, frozen=True):
    """A new endpoint and the events it wants, e.g. `["appointment.*", "device.alert_raised"]`."""

    url: Url
    events: Patterns
    description: Description = ""


class WebhookUpdate(Input, frozen=True):
    """Fields to change; `active: true` re-enables a webhook and forgets its failures."""

    url: Url | None = None
    events: Patterns | None = None
    description: Description | None = None
    active: bool | None = None


class WebhookRead(Read, frozen=True):
    """A registered webhook (its secret is never shown again)."""

    id: uuid.UUID
    url: str
    events: list[str]
    description: str
    active: bool
    consecutive_failures: int
    disabled_reason: str | None
    previous_secret_until: datetime | None
    """Until when deliveries are signed with the secret before the last rotation too (null:
    only the current secret signs)."""
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead, frozen=True):
    """The new webhook with its signing secret: store it now, it is shown only this once."""

    secret: str


class WebhookRotated(WebhookCreated, frozen=True):
    """The webhook with its new signing secret, shown only this once.

    The secret it replaced signs beside it until `previous_secret_until`.
    """


class WebhookList(msgspec.Struct, frozen=True, kw_only=True):
    """Every webhook, oldest first, and the events one may subscribe to."""

    items: list[WebhookRead]
    event_names: list[str]


class WebhookDeliveryRead(Read, frozen=True):
    """One event sent (or being sent) to a webhook."""

    id: uuid.UUID
    webhook_id: uuid.UUID
    event_id: uuid.UUID
    event_name: str
    status: DeliveryStatus
    attempts: int
    response_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
