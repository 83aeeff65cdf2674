"""Reading and changing a user's preferences through the API."""

import uuid

from msgspec import UNSET, UnsetType

from hduce.contracts.notifications import ALWAYS_ON
from hduce.contracts.users import UserDirectory
from hduce.core.errors import FieldError
from hduce.plugins.notifications.errors import InvalidPreferences
from hduce.plugins.notifications.schemas import PreferencesBody, PreferencesRead, QuietHoursBody
from hduce.plugins.notifications.services._held import HeldDeliveries
from hduce.plugins.notifications.store import Preferences, PreferenceStore, QuietHours


class PreferenceService:
    """The caller's preferences, with the time zone of their profile."""

    def __init__(
        self, store: PreferenceStore, directory: UserDirectory, held: HeldDeliveries
    ) -> None:
        self._store = store
        self._directory = directory
        self._held = held

    async def read(self, user_id: uuid.UUID) -> PreferencesRead:
        """The effective preferences."""
        return _read(await self._store.get(user_id), await self._zone(user_id))

    async def update(self, user_id: uuid.UUID, body: PreferencesBody) -> PreferencesRead:
        """Merge the given switches into the current ones; replace the quiet hours if given.

        422 when a switch of `ALWAYS_ON` is turned off: security messages always go by e-mail,
        clinical alerts by e-mail and in-app.
        Messages held by the quiet hours go at the end of the new window (now, without one).
        """
        _refuse_mandatory_off(body)
        current = await self._store.get(user_id)
        channels = {category: dict(switches) for category, switches in current.channels.items()}
        for category, switches in body.channels.items():
            channels.setdefault(category.value, {}).update(switches)
        wanted = Preferences(
            channels=channels, quiet_hours=_quiet_hours(current.quiet_hours, body.quiet_hours)
        )
        zone = await self._zone(user_id)
        async with self._store.db.transaction():
            stored = await self._store.put(user_id, wanted)
            await self._held.replan(user_id, stored.quiet_hours, zone)
        return _read(stored, zone)

    async def _zone(self, user_id: uuid.UUID) -> str:
        """The time zone of the user's profile (UTC without one)."""
        contact = await self._directory.contact(user_id)
        return contact.timezone if contact else "UTC"


def _read(preferences: Preferences, zone: str) -> PreferencesRead:
    quiet = preferences.quiet_hours
    return PreferencesRead(
        channels=preferences.channels,
        quiet_hours=QuietHoursBody.of(quiet.start, quiet.end) if quiet else None,
        timezone=zone,
    )


def _quiet_hours(
    current: QuietHours | None, given: QuietHoursBody | UnsetType | None
) -> QuietHours | None:
    """The stored window when none is given, else the given one (None clears it)."""
    if given is UNSET:
        return current
    return QuietHours(*given.times()) if given else None


def _refuse_mandatory_off(body: PreferencesBody) -> None:
    """422 naming the first `ALWAYS_ON` switch the body turns off."""
    for category, channel in sorted(ALWAYS_ON):
        if body.channels.get(category, {}).get(channel) is False:
            key = f"channels.{category}.{channel}"
            raise InvalidPreferences(
                f"{category} messages always go out on the `{channel}` channel: "
                f"`{key}` cannot be turned off",
                errors=[FieldError(message="cannot be turned off", key=key, source="body")],
            )
