"""Profile rows: the `Profiles` contract and the reads the services need."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from hduce.contracts.auth import ACCOUNT_DIRECTORY, DirectoryEntry, UserProfileUpdated
from hduce.contracts.users import ProfileFields
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.core.schemas import Read
from hduce.core.unicode_forms import nfc
from hduce.plugins.users.tables import Profile


class ProfileData(Read, frozen=True):
    """One account's profile, a field per column read; the defaults stand in for no profile row."""

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


_COLUMNS = ProfileData.__struct_fields__

_SELECT_ONE = f"SELECT {', '.join(_COLUMNS)} FROM profile WHERE account = $1"
_SELECT_USERS = (
    f"SELECT a.*, p.account AS profile_of, {', '.join(f'p.{name}' for name in _COLUMNS)} "
    f"FROM {ACCOUNT_DIRECTORY} a LEFT JOIN profile p ON p.account = a.id "
)
_SELECT_USER = _SELECT_USERS + "WHERE a.id = $1"
_SELECT_SOME_USERS = _SELECT_USERS + "WHERE a.id = ANY($1::uuid[])"
_SEARCH_NAMES = (
    "SELECT account FROM profile WHERE first_name || ' ' || last_name ILIKE $1 "
    "OR last_name || ' ' || first_name ILIKE $1 "
    "ORDER BY lower(last_name), lower(first_name), account"
)


class ProfileStore:
    """Reads and writes profile rows, inside the caller's transaction when there is one."""

    def __init__(self, db: Database, events: EventBus) -> None:
        self._db = db
        self._events = events

    async def create_profile(self, account_id: uuid.UUID, fields: ProfileFields) -> None:
        """Create the profile of a new account inside the caller's transaction (text in NFC)."""
        await Profile.insert(
            Profile(account=account_id, **_precomposed(msgspec.structs.asdict(fields)))
        )

    async def replace_profile(self, account_id: uuid.UUID, fields: ProfileFields) -> None:
        """Replace the whole profile of an account, as `create_profile` would create it."""
        await self._db.execute("DELETE FROM profile WHERE account = $1", account_id)
        await self.create_profile(account_id, fields)

    async def get(self, account_id: uuid.UUID) -> ProfileData | None:
        """The profile of one account, or None."""
        row = await self._db.fetchrow(_SELECT_ONE, account_id)
        return ProfileData.from_row(row) if row else None

    async def get_user(
        self, account_id: uuid.UUID
    ) -> tuple[DirectoryEntry, ProfileData | None] | None:
        """An account and its profile (None if it has none) in one query, or None."""
        row = await self._db.fetchrow(_SELECT_USER, account_id)
        return None if row is None else _user(row)

    async def get_users(
        self, account_ids: Iterable[uuid.UUID]
    ) -> list[tuple[DirectoryEntry, ProfileData | None]]:
        """Several accounts with their profiles in one query (unknown ids are left out)."""
        rows = await self._db.fetch(_SELECT_SOME_USERS, list(account_ids))
        return [_user(row) for row in rows]

    async def get_many(self, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProfileData]:
        """The profiles of several accounts, by account id (accounts without one are absent)."""
        ids = list(account_ids)
        if not ids:
            return {}
        rows = await Profile.select(Profile.account, *_columns()).where(Profile.account.is_in(ids))
        return {row["account"]: ProfileData.from_row(row) for row in rows}

    async def update(self, account_id: uuid.UUID, changes: Mapping[str, Any]) -> ProfileData:
        """Apply `changes` (text in NFC; creating a missing row), publish `user.profile_updated`."""
        async with self._db.transaction():
            await Profile.insert(Profile(account=account_id)).on_conflict(
                target=Profile.account, action="DO NOTHING"
            )
            rows = (
                await Profile.update({**_precomposed(changes), "updated_at": datetime.now(UTC)})
                .where(Profile.account == account_id)
                .returning(*_columns())
            )
            await self._events.publish(UserProfileUpdated(user_id=account_id))
        return ProfileData.from_row(rows[0])

    async def search_names(self, text: str) -> list[uuid.UUID]:
        """Accounts whose first, last or full name contains `text` (case-insensitive)."""
        rows = await self._db.fetch(_SEARCH_NAMES, like_pattern(text))
        return [row["account"] for row in rows]


def _columns() -> list[Any]:
    return [getattr(Profile, name) for name in _COLUMNS]


def like_pattern(text: str) -> str:
    """An `ILIKE` pattern matching `text` anywhere, its wildcards taken literally."""
    return f"%{escape_like(text)}%"


def escape_like(text: str) -> str:
    """`text` in NFC, as profiles store it, its `ILIKE` wildcards (and escape) taken literally."""
    return nfc(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _precomposed(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with their text in NFC: a name typed in either Unicode form is found by both."""
    return {name: nfc(value) if isinstance(value, str) else value for name, value in values.items()}


def _user(row: Mapping[str, Any]) -> tuple[DirectoryEntry, ProfileData | None]:
    """The account of a `_SELECT_USERS` row and its profile, if it has one."""
    return DirectoryEntry.from_row(row), ProfileData.from_row(row) if row["profile_of"] else None
