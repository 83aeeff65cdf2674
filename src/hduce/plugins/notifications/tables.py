"""Tables of the notifications plugin: notifications, one delivery per channel, preferences."""

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hduce.core.tables import account_key


class Notification(Table, tablename="notification"):
    """One message for one recipient: a user, or a raw e-mail address."""

    id = UUID(primary_key=True)
    recipient = account_key(null=True, index=True)
    address = Varchar(length=320, null=True, default=None)
    template = Varchar(length=100)
    category = Varchar(length=32)
    critical = Boolean(default=False)
    key = Varchar(length=200, null=True, default=None, unique=True)
    about = Varchar(length=200, null=True, default=None)
    send_before = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Delivery(Table, tablename="delivery"):
    """A notification's fate on one channel: rendered content, status, attempts, last error."""

    id = UUID(primary_key=True)
    notification = ForeignKey(references=Notification, on_delete=OnDelete.restrict, index=True)
    recipient = account_key(null=True)
    channel = Varchar(length=16)
    address = Varchar(length=320)
    subject = Text()
    body_text = Text()
    body_html = Text(null=True, default=None)
    status = Varchar(length=16, index=True)
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
    next_attempt_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    sent_xid = BigInt(null=True, default=None)
    """In-app: the transaction that sent it (an `xid8`), for replaying in commit order."""
    sent_snapshot = Text(null=True, default=None)
    """In-app: the transactions committed when it was sent (a `pg_snapshot`)."""
    read_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Preference(Table, tablename="notification_preference"):
    """A user's channel switches per category and quiet hours (in the user's time zone)."""

    id = UUID(primary_key=True)
    user = account_key(unique=True)
    channels = JSONB(default={})
    quiet_start = Time(null=True, default=None)
    quiet_end = Time(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())
