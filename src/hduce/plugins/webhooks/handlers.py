"""Event subscriptions: each offered event becomes one queued delivery per matching webhook."""

from typing import Any

import msgspec

from hduce.core.db import Database
from hduce.core.events import Event, EventBus, EventMeta
from hduce.plugins.webhooks.services import SENT, WebhookSender, public_fields, wanted
from hduce.plugins.webhooks.store import WebhookStore
from hduce.plugins.webhooks.tasks import WebhookDeliveryDue


class FanOut:
    """Turns a committed event into deliveries and their `webhook.delivery_due` events."""

    def __init__(self, db: Database, events: EventBus, store: WebhookStore) -> None:
        self._db = db
        self._events = events
        self._store = store

    async def handle(self, event: Event, meta: EventMeta) -> None:
        """Queue a delivery for every active webhook whose patterns name the event."""
        async with self._db.transaction():
            webhooks = await self._store.active_subscribed()
            targets = [w["id"] for w in webhooks if wanted(w["events"], meta.name)]
            if not targets:
                return
            body = msgspec.json.encode(_envelope(event, meta)).decode()
            for delivery_id in await self._store.add_deliveries(
                targets, meta.event_id, meta.name, body
            ):
                await self._events.publish(WebhookDeliveryDue(delivery_id=delivery_id))


def _envelope(event: Event, meta: EventMeta) -> dict[str, Any]:
    return {
        "id": str(meta.event_id),
        "type": meta.name,
        "occurred_at": meta.occurred_at.isoformat(),
        "data": public_fields(event),
    }


def subscribe(events: EventBus, fan_out: FanOut, sender: WebhookSender) -> None:
    """One fan-out task per event sent (`webhooks.fan_out_<event>`), and `webhooks.deliver`."""
    for event_type in SENT:
        task = "webhooks.fan_out_" + event_type.name.replace(".", "_")
        events.subscribe(event_type, fan_out.handle, task_name=task)
    events.subscribe(WebhookDeliveryDue, sender.handle, task_name="webhooks.deliver")
