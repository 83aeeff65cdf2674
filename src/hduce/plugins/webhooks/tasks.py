"""The `webhooks.deliver` task's trigger: a delivery is due (now, or as a scheduled retry)."""

import uuid

from hduce.core.events import Event


class WebhookDeliveryDue(Event, frozen=True):
    """Send delivery `delivery_id` (a no-op once it is delivered, failed or skipped)."""

    name = "webhook.delivery_due"
    delivery_id: uuid.UUID
    busy: int = 0
    """How many times in a row the delivery found no free place (each time it waits longer)."""
