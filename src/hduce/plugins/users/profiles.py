"""Profile storage: the `Profiles` contract and the reads the other services need."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from hduce.contracts.auth import ACCOUNT_DIRECTORY, DirectoryEntry, UserProfileUpdated
from hduce.contracts.users import ProfileFields
from hduce.core.db import HduceEngine
from hduce.core.events import EventBus
from hduce.plugins.users.tables import Profile

_COLUMNS = (
    "first_name",
    "last_name",
    "phone",
    "date_of_birth",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "specialty",
    "institution",
    "licence_number",
    "timezone",
)

_SELECT_ONE = f"SELECT {', '.join(_COLUMNS)} FROM profile WHERE account = $1"
_SELECT_USER = (
    f"SELECT a.*, p.account AS profile_of, {', '.join(f'p.{name}' for name in _COLUMNS)} "
    f"FROM {ACCOUNT_DIRECTORY} a LEFT JOIN profile p ON p.account = a.id WHERE a.id = $1"
)


class ProfileData(msgspec.Struct, frozen=True, kw_only=True):
    """One account's profile; the defaults stand in for an account without a profile row."""

    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    date_of_birth: date | None = None
    address: str | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    specialty: str | None = None
    institution: str | None = None
    licence_number: str | None = None
    timezone: str = "UTC"


class ProfileStore:
    """Reads and writes profile rows, inside the caller's transaction when there is one."""

    def __init__(self, db: HduceEngine, events: EventBus) -> None:
        self._db = db
        self._events = events

    async def create_profile(self, account_id: uuid.UUID, fields: ProfileFields) -> None:
        """Create the profile of a new account inside the caller's transaction."""
        await Profile.insert(Profile(account=account_id, **msgspec.structs.asdict(fields)))

    async def get(self, account_id: uuid.UUID) -> ProfileData | None:
        """The profile of one account, or None."""
        row = await self._db.fetchrow(_SELECT_ONE, account_id)
        return _to_data(row) if row else None

    async def get_user(
        self, account_id: uuid.UUID
    ) -> tuple[DirectoryEntry, ProfileData | None] | None:
        """An account and its profile (None if it has none) in one query, or None."""
        row = await self._db.fetchrow(_SELECT_USER, account_id)
        if row is None:
            return None
        return DirectoryEntry.from_row(row), _to_data(row) if row["profile_of"] else None

    async def get_many(self, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProfileData]:
        """The profiles of several accounts, by account id (accounts without one are absent)."""
        ids = list(account_ids)
        if not ids:
            return {}
        rows = await Profile.select(Profile.account, *_columns()).where(Profile.account.is_in(ids))
        return {row["account"]: _to_data(row) for row in rows}

    async def update(self, account_id: uuid.UUID, changes: Mapping[str, Any]) -> ProfileData:
        """Apply `changes` (creating a missing row) and publish `user.profile_updated`."""
        async with self._db.transaction():
            await Profile.insert(Profile(account=account_id)).on_conflict(
                target=Profile.account, action="DO NOTHING"
            )
            rows = (
                await Profile.update({**changes, "updated_at": datetime.now(UTC)})
                .where(Profile.account == account_id)
                .returning(*_columns())
            )
            await self._events.publish(UserProfileUpdated(user_id=account_id))
        return _to_data(rows[0])

    async def search_names(self, text: str) -> list[uuid.UUID]:
        """Accounts whose first, last or full name contains `text` (case-insensitive)."""
        pattern = like_pattern(text)
        rows = await Profile.raw(
            "SELECT account FROM profile WHERE first_name || ' ' || last_name ILIKE {} "
            "OR last_name || ' ' || first_name ILIKE {} "
            "ORDER BY lower(last_name), lower(first_name), account",
            pattern,
            pattern,
        )
        return [row["account"] for row in rows]


def _columns() -> list[Any]:
    return [getattr(Profile, name) for name in _COLUMNS]


def _to_data(row: Mapping[str, Any]) -> ProfileData:
    return ProfileData(**{name: row[name] for name in _COLUMNS})


def like_pattern(text: str) -> str:
    """An `ILIKE` pattern matching `text` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
