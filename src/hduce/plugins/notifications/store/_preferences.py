"""Per-user preferences: channel switches per category and quiet hours, with clinic defaults."""

import uuid
from datetime import time

import msgspec

from hduce.contracts.notifications import ALWAYS_ON, Category
from hduce.core.sql_store import SqlStore

CHANNELS: tuple[str, ...] = ("email", "sms", "push", "in_app")
SMS_BY_DEFAULT = frozenset({Category.SECURITY, Category.APPOINTMENTS, Category.CLINICAL_ALERTS})


def default_channels() -> dict[str, dict[str, bool]]:
    """Everything on, except SMS (it costs the clinic money) outside the urgent categories."""
    return {
        category.value: {
            channel: channel != "sms" or category in SMS_BY_DEFAULT for channel in CHANNELS
        }
        for category in Category
    }


class QuietHours(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A daily window (local time of the user) when non-critical messages wait."""

    start: time
    end: time


class Preferences(msgspec.Struct, frozen=True, kw_only=True):
    """A user's effective preferences."""

    channels: dict[str, dict[str, bool]]
    quiet_hours: QuietHours | None = None

    def allows(self, category: str, channel: str) -> bool:
        """Whether the user wants `category` messages on `channel`."""
        return self.channels.get(category, {}).get(channel, True)


class PreferenceStore(SqlStore):
    """Reads and writes the `notification_preference` rows."""

    async def get(self, user_id: uuid.UUID) -> Preferences:
        """The user's preferences, defaults filled in, the `ALWAYS_ON` switches on."""
        row = await self.db.fetchrow(
            "SELECT channels, quiet_start, quiet_end FROM notification_preference "
            'WHERE "user" = $1',
            user_id,
        )
        channels = default_channels()
        if row is None:
            return Preferences(channels=channels)
        for category, switches in msgspec.json.decode(row["channels"]).items():
            channels.setdefault(category, {}).update(switches)
        for category, channel in ALWAYS_ON:  # a switch stored off before it became mandatory
            channels[category][channel] = True
        quiet = None
        if row["quiet_start"] is not None and row["quiet_end"] is not None:
            quiet = QuietHours(start=row["quiet_start"], end=row["quiet_end"])
        return Preferences(channels=channels, quiet_hours=quiet)

    async def put(self, user_id: uuid.UUID, preferences: Preferences) -> Preferences:
        """Store the user's preferences (switches for known categories and channels only)."""
        quiet = preferences.quiet_hours
        await self.db.execute(
            "INSERT INTO notification_preference "
            '(id, "user", channels, quiet_start, quiet_end, updated_at) '
            "VALUES ($1, $2, $3::jsonb, $4, $5, now()) "
            'ON CONFLICT ("user") DO UPDATE SET channels = EXCLUDED.channels, '
            "quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end, "
            "updated_at = now()",
            uuid.uuid4(),
            user_id,
            msgspec.json.encode(preferences.channels).decode(),
            quiet.start if quiet else None,
            quiet.end if quiet else None,
        )
        return await self.get(user_id)
