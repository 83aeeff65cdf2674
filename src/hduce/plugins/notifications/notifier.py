"""`Notifier`: render a template per channel and write one delivery row per channel."""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hduce.contracts.notifications import Category
from hduce.core.context import AppContext
from hduce.core.events import Event
from hduce.plugins.notifications.channels.base import Channel
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.events import DeliveryDue
from hduce.plugins.notifications.preferences import CHANNELS, Preferences, PreferenceStore
from hduce.plugins.notifications.quiet_hours import quiet_until
from hduce.plugins.notifications.recipients import Recipient, resolve_recipient
from hduce.plugins.notifications.templates import TemplateRenderer

# Every delivery of one notification in one statement: the rows come from parallel arrays.
INSERT_DELIVERIES = """
INSERT INTO delivery (id, notification, recipient, channel, address, subject, body_text,
                      body_html, status, attempts, last_error, next_attempt_at, created_at,
                      updated_at)
SELECT d.id, $1, $2, d.channel, d.address, d.subject, d.body_text, d.body_html, d.status, 0,
       d.last_error, d.next_attempt_at, now(), now()
FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::text[], $11::timestamptz[])
     AS d(id, channel, address, subject, body_text, body_html, status, last_error, next_attempt_at)
"""


class NotificationService:
    """Implements `Notifier` for every plugin; rows and events join the caller's transaction."""

    def __init__(
        self,
        context: AppContext,
        config: NotificationsConfig,
        renderer: TemplateRenderer,
        channels: Mapping[str, Channel],
        preferences: PreferenceStore,
    ) -> None:
        self._context = context
        self._config = config
        self._renderer = renderer
        self._channels = channels
        self._preferences = preferences

    async def notify(
        self,
        recipient: uuid.UUID | str,
        template: str,
        data: Mapping[str, Any],
        category: Category,
        *,
        critical: bool = False,
        key: str | None = None,
    ) -> uuid.UUID:
        """Queue `template` for `recipient` on every channel it has; see `Notifier.notify`."""
        db = self._context.db
        async with db.transaction():
            if key is not None:
                existing = await db.fetchrow("SELECT id FROM notification WHERE key = $1", key)
                if existing is not None:
                    return existing["id"]
            target = await resolve_recipient(self._context.registry, recipient)
            values = {"clinic_name": self._config.clinic_name, "name": target.first_name}
            values.update(data)
            rendered = {
                channel: self._renderer.render(template, channel, values)
                for channel in CHANNELS
                if channel in self._renderer.channels(template)
            }
            notification_id = uuid.uuid4()
            await db.fetchrow(
                "INSERT INTO notification (id, recipient, address, template, category, "
                "critical, key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
                notification_id,
                target.user_id,
                None if target.user_id else target.email,
                template,
                category.value,
                critical,
                key,
            )
            preferences = await self._preferences_of(target)
            rows: list[tuple[Any, ...]] = []
            due_events: list[tuple[Event, datetime | None]] = []
            for channel, content in rendered.items():
                status, reason, due = self._plan(target, channel, category, critical, preferences)
                if status is None:
                    continue
                delivery_id = uuid.uuid4()
                rows.append(
                    (
                        delivery_id,
                        channel,
                        target.address(channel) or "",
                        content.subject,
                        content.text,
                        content.html,
                        status,
                        reason,
                        due,
                    )
                )
                if status in ("pending", "deferred"):
                    due_events.append((DeliveryDue(delivery_id=delivery_id), due))
            if rows:
                await db.fetchrow(
                    INSERT_DELIVERIES,
                    notification_id,
                    target.user_id,
                    *(list(column) for column in zip(*rows, strict=True)),
                )
            await self._context.events.publish_many(due_events)
            return notification_id

    async def _preferences_of(self, target: Recipient) -> Preferences | None:
        if target.user_id is None:
            return None
        return await self._preferences.get(target.user_id)

    def _plan(
        self,
        target: Recipient,
        channel: str,
        category: Category,
        critical: bool,
        preferences: Preferences | None,
    ) -> tuple[str | None, str | None, datetime | None]:
        """(status, reason, due time) for one channel; status None means no row at all."""
        if target.address(channel) is None:
            if channel == "sms" and target.user_id is not None:
                return "skipped", "no phone number on the profile", None
            return None, None, None
        if not self._channels[channel].configured:
            return "skipped", f"the {channel} channel is not configured", None
        if not critical and preferences and not preferences.allows(category, channel):
            return "skipped", "turned off in the user's preferences", None
        if not critical and channel != "in_app" and preferences and preferences.quiet_hours:
            quiet = preferences.quiet_hours
            until = quiet_until(datetime.now(UTC), quiet.start, quiet.end, _zone(target.timezone))
            if until is not None:
                return "deferred", None, until
        return "pending", None, None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
