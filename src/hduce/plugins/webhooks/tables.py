"""The webhooks plugin's tables: registered endpoints and the log of their deliveries."""

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Webhook(Table, tablename="webhook"):
    """An endpoint that receives the events matching its patterns, signed with its secret.

    The secret is kept as is: signing needs it (it is shown to the admin once, never again).
    After a rotation the one it replaced signs beside it until `previous_secret_until`.
    """

    id = UUID(primary_key=True)
    url = Text()
    events = Array(base_column=Varchar(length=100))
    description = Text(default="")
    secret = Text()
    previous_secret = Text(null=True, default=None)
    previous_secret_until = Timestamptz(null=True, default=None)
    active = Boolean(default=True)
    consecutive_failures = Integer(default=0)
    disabled_reason = Text(null=True, default=None)
    created_by = UUID()
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event for one webhook: its payload, attempts and outcome."""

    id = UUID(primary_key=True)
    # A delivery log is operational data, not clinical: it goes with its webhook.
    webhook = ForeignKey(references=Webhook, on_delete=OnDelete.cascade, index=True)
    event_id = UUID()
    event_name = Varchar(length=100)
    payload = JSONB()
    status = Varchar(length=16, default="pending")
    attempts = Integer(default=0)
    response_code = Integer(null=True, default=None)
    last_error = Text(null=True, default=None)
    next_attempt_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
