"""The plugin's task trigger: a delivery is due to be sent (now, after quiet hours, or a retry)."""

import uuid

from hduce.core.events import Event


class DeliveryDue(Event, frozen=True):
    """Send delivery `delivery_id` (a no-op once it is sent, failed or skipped)."""

    name = "notification.delivery_due"
    delivery_id: uuid.UUID
    channel: str = ""
    """The delivery's channel when the publisher knew it ("" in events written before it was):
    an in-app delivery is then sent without reading its row first."""
    busy: int = 0
    """How many times in a row the delivery found its channel busy (each time it waits longer)."""
