"""The `DeliveryRecords` contract: the admin delivery log for other plugins (the web console)."""

import msgspec

from hduce.contracts.auth import Role
from hduce.contracts.notifications import DeliveryQuery, DeliveryView
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.plugins.notifications.store import DeliveryStore


class DeliveryRecordsDesk:
    """As `GET /api/v1/notifications/deliveries`, its admin-only guard included."""

    def __init__(self, store: DeliveryStore) -> None:
        self._store = store

    async def recent(
        self, principal: Principal, query: DeliveryQuery
    ) -> tuple[list[DeliveryView], int]:
        """Deliveries newest first matching the filters, and the total (admins only)."""
        if not principal.has_any_role(Role.ADMIN):
            raise Forbidden("deliveries are for admins")
        page = await self._store.page(recipient_id=None, **msgspec.structs.asdict(query))
        views: list[DeliveryView] = list(page.items)
        return views, page.total
