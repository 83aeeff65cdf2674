"""Delivery records for administrators: every notification's fate per channel."""

import uuid

import msgspec

from hduce.contracts.auth import Role
from hduce.contracts.notifications import DeliveryView
from hduce.core.db import HduceEngine
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.plugins.notifications.schemas import DeliveryPage, DeliveryRead

COLUMNS = (
    "d.id, d.notification AS notification_id, d.recipient AS recipient_id, n.template, "
    "n.category, d.channel, d.address, d.status, d.attempts, d.last_error, "
    "d.next_attempt_at, d.sent_at, d.created_at"
)


class DeliveryLog:
    """Filters and pages over the `delivery` table."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def page(
        self,
        *,
        status: str | None,
        channel: str | None,
        recipient_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> DeliveryPage:
        """Deliveries matching every given filter, newest first, with the total."""
        where = (
            "($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.channel = $2) "
            "AND ($3::uuid IS NULL OR d.recipient = $3)"
        )
        rows = await self._db.fetch(
            f"SELECT {COLUMNS} FROM delivery d JOIN notification n ON n.id = d.notification "
            f"WHERE {where} ORDER BY d.created_at DESC, d.id DESC LIMIT $4 OFFSET $5",
            status,
            channel,
            recipient_id,
            limit,
            offset,
        )
        total = await self._db.fetchrow(
            f"SELECT count(*) AS n FROM delivery d WHERE {where}", status, channel, recipient_id
        )
        return DeliveryPage(
            items=[msgspec.convert(dict(row), DeliveryRead) for row in rows],
            total=total["n"] if total else 0,
            limit=limit,
            offset=offset,
        )

    async def recent(
        self,
        principal: Principal,
        *,
        status: str | None,
        channel: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[DeliveryView], int]:
        """`DeliveryRecords`: as `GET /api/v1/notifications/deliveries` (admins only)."""
        if not principal.has_any_role(Role.ADMIN):
            raise Forbidden("deliveries are for admins")
        page = await self.page(
            status=status, channel=channel, recipient_id=None, limit=limit, offset=offset
        )
        return msgspec.convert(page.items, list[DeliveryView], from_attributes=True), page.total
