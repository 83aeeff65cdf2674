"""`Notifier`: render a template per channel and write one delivery row per channel."""

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hduce.contracts.notifications import Notice, Notifier
from hduce.contracts.users import UserDirectory
from hduce.core.events import Event, EventBus
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.services._quiet_hours import held_until
from hduce.plugins.notifications.services._recipients import Recipient, resolve_recipient
from hduce.plugins.notifications.services._sender import OFF, SENDABLE
from hduce.plugins.notifications.services.channels.base import Channel
from hduce.plugins.notifications.store import (
    CHANNELS,
    DeliveryStore,
    NewNotification,
    PlannedDelivery,
    Preferences,
    PreferenceStore,
)
from hduce.plugins.notifications.tasks import DeliveryDue
from hduce.plugins.notifications.templates import (
    Rendered,
    TemplateError,
    TemplateRenderer,
    blank_part,
)

logger = logging.getLogger("hduce.notifications")

BY_EMAIL_ONLY: tuple[str, ...] = ("email",)
"""The channels of messages for the owner of an e-mail address only: one-time links (a phone
number on an unverified account is anyone's: texting it would let strangers make the clinic text
any number) and notices of sign-up attempts (anonymous requests must not reach other channels)."""


class NotificationService(Notifier):
    """Implements `Notifier` for every plugin; rows and events join the caller's transaction."""

    def __init__(
        self,
        env: PluginEnv[NotificationsConfig],
        directory: UserDirectory,
        renderer: TemplateRenderer,
        channels: Mapping[str, Channel],
        preferences: PreferenceStore,
    ) -> None:
        self._db = env.db
        self._events: EventBus = env.events
        self._config = env.config
        self._directory = directory
        self._renderer = renderer
        self._channels = channels
        self._preferences = preferences
        self._deliveries = DeliveryStore(env.db)

    async def send(self, notice: Notice, *, channels: Sequence[str] = CHANNELS) -> uuid.UUID:
        """`Notifier.send`: queue `notice` for its recipient on each of `channels` it has."""
        async with self._db.transaction():
            if notice.key is not None:
                existing = await self._deliveries.notification_with_key(notice.key)
                if existing is not None:
                    return existing
            target = await resolve_recipient(self._directory, notice)
            values = {"clinic_name": self._config.clinic_name, "name": target.first_name}
            values.update(notice.data)
            rendered, problems = self._render(notice.template, values, channels)
            notification = NewNotification(
                id=uuid.uuid4(),
                recipient=target.user_id,
                address=None if target.user_id else target.email,
                template=notice.template,
                category=notice.category.value,
                critical=notice.critical,
                key=notice.key,
                about=notice.about,
                send_before=notice.send_before,
            )
            preferences = await self._preferences_of(target)
            rows: list[PlannedDelivery] = []
            due_events: list[tuple[Event, datetime | None]] = []
            for channel, content in rendered.items():
                status, reason, due = self._plan(target, channel, notice, preferences)
                if status is None:
                    continue
                if (problem := problems.get(channel)) and status in SENDABLE:
                    status, reason, due = "failed", problem, None
                delivery_id = uuid.uuid4()
                address = target.address(channel) or ""
                rows.append(
                    (
                        delivery_id,
                        channel,
                        address,
                        content.subject,
                        content.text,
                        content.html,
                        status,
                        reason,
                        due,
                    )
                )
                if status in ("pending", "deferred"):
                    due_events.append((DeliveryDue(delivery_id=delivery_id, channel=channel), due))
            await self._deliveries.add(notification, rows)
            await self._events.publish_many(due_events)
            return notification.id

    async def withdraw(self, about: str, reason: str) -> int:
        """`Notifier.withdraw`: skip the unsent deliveries of the notices `about` this."""
        return await self._deliveries.withdraw(about, SENDABLE, reason)

    def _render(
        self, template: str, values: Mapping[str, Any], channels: Sequence[str]
    ) -> tuple[dict[str, Rendered], dict[str, str]]:
        """Each channel's message and, by channel, why it cannot be sent (never raised).

        The caller's request (a booking...) must not fail over a message: its deliveries are
        recorded `failed` with the reason instead. If rendering fails, every channel's message
        is empty; a message that renders to nothing fails on its channel alone.
        """
        try:
            rendered = self._renderer.render_all(template, values, channels)
        except TemplateError as exc:
            logger.error("a %s notification could not be rendered: %s", template, exc)
            known = template in self._renderer.names()
            has = self._renderer.channels(template) if known else frozenset()
            empty = {channel: Rendered("", "") for channel in channels if channel in has}
            return empty, dict.fromkeys(empty, f"not rendered: {exc}")
        problems = {}
        for channel, message in rendered.items():
            if problem := blank_part(template, channel, message):
                logger.error("a %s notification could not be rendered: %s", template, problem)
                problems[channel] = f"not rendered: {problem}"
        return rendered, problems

    async def _preferences_of(self, target: Recipient) -> Preferences | None:
        if target.user_id is None:
            return None
        return await self._preferences.get(target.user_id)

    def _plan(
        self,
        target: Recipient,
        channel: str,
        notice: Notice,
        preferences: Preferences | None,
    ) -> tuple[str | None, str | None, datetime | None]:
        """(status, reason, due time) for one channel; status None means no row at all.

        A user's SMS without a phone number gets a row saying why, an unconfigured channel first.
        """
        address = target.address(channel)
        if address is None and (channel != "sms" or target.user_id is None):
            return None, None, None
        if not self._channels[channel].configured:
            return "skipped", f"the {channel} channel is not configured", None
        if address is None:
            return "skipped", "no phone number on the profile", None
        critical = notice.critical
        if not critical and preferences and not preferences.allows(notice.category, channel):
            return "skipped", OFF, None
        quiet = preferences.quiet_hours if preferences else None
        category = notice.category
        until = held_until(
            quiet, target.timezone, category=category, channel=channel, critical=critical
        )
        if until is not None:
            return "deferred", None, until
        return "pending", None, None
