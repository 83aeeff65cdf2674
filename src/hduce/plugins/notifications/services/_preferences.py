"""Reading and changing a user's preferences through the API."""

import uuid
from collections.abc import Collection

from msgspec import UNSET, UnsetType

from hduce.contracts.auth import CLINICAL_ROLES
from hduce.contracts.notifications import ALWAYS_ON, Category
from hduce.contracts.users import UserDirectory
from hduce.core.errors import FieldError
from hduce.plugins.notifications.errors import InvalidPreferences
from hduce.plugins.notifications.schemas import PreferencesBody, PreferencesRead, QuietHoursBody
from hduce.plugins.notifications.services._held import HeldDeliveries
from hduce.plugins.notifications.store import Preferences, PreferenceStore, QuietHours

EVERY_CATEGORY = frozenset(Category)
FOR_CLINICIANS = frozenset({Category.CLINICAL_ALERTS})
"""Categories whose messages go to clinicians only: no one else is offered their switches."""


def offered_categories(roles: Collection[str]) -> frozenset[Category]:
    """The categories whose switches a user holding `roles` sees and may change.

    Clinical alerts (device alerts) go to clinicians (`CLINICAL_ROLES`) only.
    """
    return EVERY_CATEGORY if CLINICAL_ROLES.intersection(roles) else EVERY_CATEGORY - FOR_CLINICIANS


class PreferenceService:
    """The caller's preferences, with the time zone of their profile."""

    def __init__(
        self, store: PreferenceStore, directory: UserDirectory, held: HeldDeliveries
    ) -> None:
        self._store = store
        self._directory = directory
        self._held = held

    async def read(
        self, user_id: uuid.UUID, offered: frozenset[Category] = EVERY_CATEGORY
    ) -> PreferencesRead:
        """The effective preferences, the switches of the `offered` categories only."""
        return _read(await self._store.get(user_id), await self._zone(user_id), offered)

    async def update(
        self,
        user_id: uuid.UUID,
        body: PreferencesBody,
        offered: frozenset[Category] = EVERY_CATEGORY,
    ) -> PreferencesRead:
        """Merge the given switches into the current ones; replace the quiet hours if given.

        422 naming a category not `offered` to the user, or a switch of `ALWAYS_ON` turned
        off: security messages always go by e-mail, clinical alerts by e-mail and in-app.
        Messages held by the quiet hours go at the end of the new window (now, without one).
        """
        _refuse_not_offered(body, offered)
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
        return _read(stored, zone, offered)

    async def _zone(self, user_id: uuid.UUID) -> str:
        """The time zone of the user's profile (UTC without one)."""
        contact = await self._directory.contact(user_id)
        return contact.timezone if contact else "UTC"


def _read(preferences: Preferences, zone: str, offered: frozenset[Category]) -> PreferencesRead:
    quiet = preferences.quiet_hours
    return PreferencesRead(
        channels={
            category: switches
            for category, switches in preferences.channels.items()
            if category in offered
        },
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


def _refuse_not_offered(body: PreferencesBody, offered: frozenset[Category]) -> None:
    """422 naming the first category of the body the user is not offered."""
    if not_offered := sorted(body.channels.keys() - offered):
        category = not_offered[0]
        message = f"{category.replace('_', ' ')} go to clinicians only"
        raise InvalidPreferences.naming(f"channels.{category}", message, source="body")


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
