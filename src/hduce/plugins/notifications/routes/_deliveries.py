"""Every delivery's fate, for administrators."""

import uuid

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from hduce.contracts.auth import Role
from hduce.core.http import PageOffset, problems
from hduce.core.schemas import Page
from hduce.core.security import requires_roles
from hduce.plugins.notifications.routes._params import Limit
from hduce.plugins.notifications.schemas import ChannelName, DeliveryRead, DeliveryStatus
from hduce.plugins.notifications.services import NotificationsServices


class DeliveryController(Controller):
    """Every delivery's fate, for administrators."""

    path = "/notifications/deliveries"
    tags = ["notifications"]
    guards = [requires_roles(Role.ADMIN)]

    @get(responses=problems(403, 422))
    async def list_deliveries(
        self,
        notifications: NamedDependency[NotificationsServices],
        status: FromQuery[DeliveryStatus | None] = None,
        channel: FromQuery[ChannelName | None] = None,
        recipient_id: FromQuery[uuid.UUID | None] = None,
        limit: Limit = 50,
        offset: PageOffset = 0,
    ) -> Page[DeliveryRead]:
        """Deliveries filtered by status, channel and recipient, newest first."""
        return await notifications.deliveries.page(
            status=status, channel=channel, recipient_id=recipient_id, limit=limit, offset=offset
        )
