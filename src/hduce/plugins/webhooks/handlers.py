"""Event subscriptions: each offered event becomes one queued delivery per matching webhook."""

from typing import Any

import msgspec

from hduce.core.context import AppContext
from hduce.core.events import Event, EventMeta
from hduce.plugins.webhooks.catalogue import OFFERED, matches, public_fields
from hduce.plugins.webhooks.events import WebhookDeliveryDue
from hduce.plugins.webhooks.store import WebhookStore


class FanOut:
    """Turns a committed event into deliveries and their `webhook.delivery_due` events."""

    def __init__(self, context: AppContext, store: WebhookStore) -> None:
        self._context = context
        self._store = store

    def subscribe(self) -> None:
        """One task per offered event, `webhooks.fan_out_<event>`."""
        for event_type in OFFERED:
            task = "webhooks.fan_out_" + event_type.name.replace(".", "_")
            self._context.events.subscribe(event_type, self.handle, task_name=task)

    async def handle(self, event: Event, meta: EventMeta) -> None:
        """Queue a delivery for every active webhook whose patterns name the event."""
        async with self._context.db.transaction():
            webhooks = await self._store.active_subscribed()
            wanted = [w["id"] for w in webhooks if matches(w["events"], meta.name)]
            if not wanted:
                return
            body = msgspec.json.encode(_envelope(event, meta)).decode()
            for delivery_id in await self._store.add_deliveries(
                wanted, meta.event_id, meta.name, body
            ):
                await self._context.events.publish(WebhookDeliveryDue(delivery_id=delivery_id))


def _envelope(event: Event, meta: EventMeta) -> dict[str, Any]:
    return {
        "id": str(meta.event_id),
        "type": meta.name,
        "occurred_at": meta.occurred_at.isoformat(),
        "data": public_fields(event),
    }
