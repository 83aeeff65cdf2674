"""The `OwnNotifications` contract: one's preferences and live inbox, for other front ends."""

import uuid
from collections.abc import AsyncIterator, Callable

from hduce.contracts.notifications import InboxEntry, NotificationSettings, SettingsChange
from hduce.core.schemas import format_clock
from hduce.core.security import Principal
from hduce.core.validation import validated
from hduce.plugins.notifications.errors import InvalidPreferences
from hduce.plugins.notifications.schemas import PreferencesBody, PreferencesRead
from hduce.plugins.notifications.services._live import LiveInbox
from hduce.plugins.notifications.services._preferences import PreferenceService
from hduce.plugins.notifications.store import Inbox


class OwnSettings:
    """Each call goes through the same service as `/api/v1/notifications/...`."""

    def __init__(
        self, preferences: PreferenceService, live: Callable[[Principal, str], LiveInbox]
    ) -> None:
        self._preferences = preferences
        self._live = live

    async def settings(self, user_id: uuid.UUID) -> NotificationSettings:
        """As `GET /notifications/preferences`."""
        return _settings(await self._preferences.read(user_id))

    async def change_settings(
        self, user_id: uuid.UUID, change: SettingsChange
    ) -> NotificationSettings:
        """As `PUT /notifications/preferences`, with the API's validation."""
        quiet = None
        if change.quiet_hours is not None:
            start, end = change.quiet_hours
            quiet = {"start": format_clock(start), "end": format_clock(end)}
        body = validated(
            {"channels": change.channels, "quiet_hours": quiet},
            PreferencesBody,
            error=InvalidPreferences,
            strict=False,
        )
        return _settings(await self._preferences.update(user_id, body))

    def live(self, principal: Principal, access_token: str) -> AsyncIterator[InboxEntry | None]:
        """As `GET /notifications/stream`, one entry (or keep-alive) at a time."""
        return _entries(self._live(principal, access_token))


async def _entries(stream: LiveInbox) -> AsyncIterator[InboxEntry | None]:
    async for item in stream.items():
        yield None if item is None else Inbox.entry(item)


def _settings(read: PreferencesRead) -> NotificationSettings:
    quiet = read.quiet_hours
    return NotificationSettings(
        channels=read.channels,
        quiet_hours=quiet.times() if quiet else None,
        timezone=read.timezone,
    )
