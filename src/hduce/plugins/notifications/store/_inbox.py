"""The caller's in-app inbox: list, count, mark read; only ever the caller's own items."""

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

import msgspec

from hduce.contracts.notifications import InboxEntry
from hduce.core.errors import NotFound
from hduce.core.sql_store import SqlStore
from hduce.plugins.notifications.schemas import InboxItem, InboxPage

INBOX_CHANNEL = "hduce_inbox"
"""The PostgreSQL NOTIFY channel; payload `<user id>:<delivery id>`, sent on commit."""
ITEM_COLUMNS = (
    "d.id, d.notification AS notification_id, n.category, n.template, d.subject, "
    "d.body_text AS text, d.created_at, d.read_at"
)
OWN_ITEMS = "d.recipient = $1 AND d.channel = 'in_app' AND d.status = 'sent'"
# A concurrent attempt on the same row waits for the row lock, then finds it no longer due.
# The item records its transaction and the statement's snapshot (what had committed): streams
# hear items in commit order, which `sent_at` (its transaction's start) is not.
DELIVER_DUE = """
WITH sent AS (
    UPDATE delivery SET status = 'sent', sent_at = now(), attempts = attempts + 1,
                        next_attempt_at = NULL, updated_at = now(),
                        sent_xid = pg_current_xact_id()::text::bigint,
                        sent_snapshot = pg_current_snapshot()::text
    WHERE id = $1 AND channel = 'in_app' AND status = ANY($2::text[])
    RETURNING id, address
)
SELECT pg_notify($3, address || ':' || id::text) FROM sent
"""


class Inbox(SqlStore):
    """Queries over in-app deliveries that reached their recipient, and their announcements."""

    async def page(
        self, user_id: uuid.UUID, *, unread_only: bool, limit: int, offset: int
    ) -> InboxPage:
        """A page of the user's inbox, newest first, with totals."""
        unread_filter = " AND d.read_at IS NULL" if unread_only else ""
        rows = await self.db.fetch(
            f"SELECT {ITEM_COLUMNS} FROM delivery d JOIN notification n "
            f"ON n.id = d.notification WHERE {OWN_ITEMS}{unread_filter} "
            "ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3",
            user_id,
            limit,
            offset,
        )
        counts = await self.db.fetchrow(
            "SELECT count(*) AS total, count(*) FILTER (WHERE d.read_at IS NULL) AS unread "
            f"FROM delivery d WHERE {OWN_ITEMS}",
            user_id,
        )
        assert counts is not None
        return InboxPage(
            items=InboxItem.from_rows(rows),
            total=counts["unread"] if unread_only else counts["total"],
            unread=counts["unread"],
            limit=limit,
            offset=offset,
        )

    async def item(self, user_id: uuid.UUID, delivery_id: uuid.UUID) -> InboxItem:
        """One of the user's items; 404 for anyone else's."""
        row = await self.db.fetchrow(
            f"SELECT {ITEM_COLUMNS} FROM delivery d JOIN notification n "
            f"ON n.id = d.notification WHERE {OWN_ITEMS} AND d.id = $2",
            user_id,
            delivery_id,
        )
        if row is None:
            raise NotFound("no such notification in your inbox")
        return InboxItem.from_row(row)

    async def after(
        self, user_id: uuid.UUID, delivery_id: uuid.UUID, limit: int
    ) -> list[InboxItem]:
        """The user's items committed after their item `delivery_id` was sent, oldest first.

        After: not yet committed when it was sent (its snapshot did not see them), whatever
        their `sent_at`, so an item committed late is not lost; one committed in the instant
        it was being sent may come again. At most the newest `limit`; none when
        `delivery_id` is no item of theirs.
        """
        rows = await self.db.fetch(
            f"SELECT * FROM (SELECT {ITEM_COLUMNS}, d.sent_at FROM delivery d JOIN notification n "
            f"ON n.id = d.notification JOIN delivery seen ON seen.id = $2 AND seen.id <> d.id "
            f"AND seen.recipient = $1 AND seen.channel = 'in_app' AND seen.status = 'sent' "
            f"WHERE {OWN_ITEMS} AND NOT pg_visible_in_snapshot(d.sent_xid::text::xid8, "
            "seen.sent_snapshot::pg_snapshot) "
            "ORDER BY d.sent_at DESC, d.id DESC LIMIT $3) AS newest ORDER BY sent_at, id",
            user_id,
            delivery_id,
            limit,
        )
        return InboxItem.from_rows(rows)

    async def unread(self, user_id: uuid.UUID) -> int:
        """How many items the user has not read."""
        row = await self.db.fetchrow(
            f"SELECT count(*) AS unread FROM delivery d WHERE {OWN_ITEMS} AND d.read_at IS NULL",
            user_id,
        )
        return row["unread"] if row else 0

    async def mark_read(self, user_id: uuid.UUID, delivery_id: uuid.UUID) -> None:
        """Mark one of the user's items read (idempotent); 404 for anyone else's."""
        row = await self.db.fetchrow(
            f"UPDATE delivery d SET read_at = coalesce(read_at, now()) WHERE {OWN_ITEMS} "
            "AND d.id = $2 RETURNING d.id",
            user_id,
            delivery_id,
        )
        if row is None:
            raise NotFound("no such notification in your inbox")

    async def mark_all_read(self, user_id: uuid.UUID) -> int:
        """Mark every unread item of the user read; how many changed."""
        row = await self.db.fetchrow(
            f"WITH changed AS (UPDATE delivery d SET read_at = now() WHERE {OWN_ITEMS} "
            "AND d.read_at IS NULL RETURNING 1) SELECT count(*) AS marked FROM changed",
            user_id,
        )
        return row["marked"] if row else 0

    async def deliver_due(self, delivery_id: uuid.UUID, sendable: Sequence[str]) -> None:
        """Mark a `sendable` in-app delivery sent and announce it, in one statement.

        Nothing happens when it is not due any more; the announcement is heard on commit.
        """
        await self.db.execute(DELIVER_DUE, delivery_id, list(sendable), INBOX_CHANNEL)

    async def announce(self, user_id: str, delivery_id: uuid.UUID) -> None:
        """Tell live streams of a new item; NOTIFY is transactional: heard only on commit."""
        await self.db.execute("SELECT pg_notify($1, $2)", INBOX_CHANNEL, f"{user_id}:{delivery_id}")

    def announcements(self, heard: Callable[[str], None]) -> AbstractAsyncContextManager[None]:
        """Call `heard(payload)` for each announcement while the block runs (one connection)."""
        return self.db.listening(INBOX_CHANNEL, heard)

    async def latest(self, user_id: uuid.UUID, limit: int) -> tuple[list[InboxEntry], int]:
        """`InboxReader`: the newest items and the unread count."""
        page = await self.page(user_id, unread_only=False, limit=limit, offset=0)
        return [self.entry(item) for item in page.items], page.unread

    @staticmethod
    def entry(item: InboxItem) -> InboxEntry:
        """What the recipient sees of an item (`InboxReader`'s shape)."""
        return msgspec.convert(item, InboxEntry, from_attributes=True)
