"""The `UserDirectory` contract: accounts (from the auth plugin) merged with their profiles."""

import uuid
from collections.abc import Iterable

import msgspec

from hduce.contracts.auth import Accounts, DirectoryEntry
from hduce.contracts.users import ContactDetails, contact_of
from hduce.plugins.users.store import ProfileData, ProfileStore

_PERSONAL = ("first_name", "last_name", "phone", "timezone")
"""What a profile adds to an account's `DirectoryEntry`."""


def with_profile(entry: DirectoryEntry, profile: ProfileData | None) -> DirectoryEntry:
    """The account entry completed with the names, phone and time zone of its profile."""
    if profile is None:
        return entry
    return msgspec.structs.replace(entry, **_personal(profile))


class Directory:
    """Lookups other plugins make about users."""

    def __init__(self, accounts: Accounts, profiles: ProfileStore) -> None:
        self._accounts = accounts
        self._profiles = profiles

    async def get(self, user_id: uuid.UUID) -> DirectoryEntry | None:
        """A user by id, or None."""
        found = await self._profiles.get_user(user_id)
        return with_profile(*found) if found else None

    async def get_many(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DirectoryEntry]:
        """Several users by id in one read; unknown ids are left out."""
        found = await self._profiles.get_users(user_ids)
        return {entry.id: with_profile(entry, profile) for entry, profile in found}

    async def find_by_email(self, email: str) -> DirectoryEntry | None:
        """A user by e-mail (case-insensitive), or None."""
        entry = await self._accounts.find_account(email)
        if entry is None or entry.email.casefold() != email.strip().casefold():
            return None
        return with_profile(entry, await self._profiles.get(entry.id))

    async def contact(self, user_id: uuid.UUID) -> ContactDetails | None:
        """How to reach a user (e-mail, phone, time zone, name), or None."""
        entry = await self.get(user_id)
        return None if entry is None else contact_of(entry)


def _personal(person: DirectoryEntry | ProfileData) -> dict[str, object]:
    return {name: getattr(person, name) for name in _PERSONAL}
