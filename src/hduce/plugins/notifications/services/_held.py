"""Deliveries held by quiet hours, brought forward when a preferences change ends their hold."""

import uuid
from datetime import UTC, datetime

from hduce.core.events import EventBus
from hduce.plugins.notifications.services._quiet_hours import quiet_until, zone_of
from hduce.plugins.notifications.store import DeliveryStore, QuietHours
from hduce.plugins.notifications.tasks import DeliveryDue


class HeldDeliveries:
    """Re-plans a user's `deferred` deliveries after their quiet hours changed."""

    def __init__(self, deliveries: DeliveryStore, events: EventBus) -> None:
        self._deliveries = deliveries
        self._events = events

    async def replan(self, user_id: uuid.UUID, quiet: QuietHours | None, zone: str) -> int:
        """Make what is held past the current window's end (now, without one) due then; how many.

        Runs in the caller's transaction. A held delivery whose channel is now switched off is
        skipped when it falls due (the sender reads the switches again). A window that now ends
        later does not hold anything longer: it was queued under the old one.
        """
        now = datetime.now(UTC)
        until = quiet and quiet_until(now, quiet.start, quiet.end, zone_of(zone))
        due = until or now
        moved = await self._deliveries.bring_forward(user_id, due)
        await self._events.publish_many(
            [
                (DeliveryDue(delivery_id=delivery_id, channel=channel), due)
                for delivery_id, channel in moved
            ]
        )
        return len(moved)
