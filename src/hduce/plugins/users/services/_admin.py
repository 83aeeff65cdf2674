"""Admin user management: search, approval, roles, (de)activation and forced password resets."""

import uuid
from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import AccountAdmin, Accounts, DirectoryEntry, Role
from hduce.core.schemas import Page
from hduce.core.security import Principal
from hduce.core.unicode_forms import nfc
from hduce.plugins.users.schemas import UserRead
from hduce.plugins.users.services._me import to_read
from hduce.plugins.users.services._paging import page_limit
from hduce.plugins.users.store import ProfileStore


@dataclass(frozen=True, eq=False)
class UserAdminService:
    """Account administration delegated to the auth plugin's `AccountAdmin`, with profiles."""

    admin: AccountAdmin
    accounts: Accounts
    audit: AuditLog
    profiles: ProfileStore
    max_page_size: int

    async def list_users(
        self,
        admin: Principal,
        *,
        text: str | None,
        role: str | None,
        status: str | None,
        limit: int | None,
        offset: int,
        ip: str | None = None,
    ) -> Page[UserRead]:
        """Users matching `text` in e-mail, username or name, with their profiles (audited)."""
        limit = page_limit(limit, self.max_page_size)
        entries, total = await self.list_accounts(
            admin, text=text, role=role, status=status, limit=limit, offset=offset, ip=ip
        )
        profiles = await self.profiles.get_many(entry.id for entry in entries)
        items = [to_read(entry, profiles.get(entry.id)) for entry in entries]
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def list_accounts(
        self,
        admin: Principal,
        *,
        text: str | None,
        role: str | None,
        status: str | None,
        limit: int,
        offset: int,
        ip: str | None = None,
    ) -> tuple[list[DirectoryEntry], int]:
        """Implements `UserListing`: e-mail or username matches, then name-only ones; audited.

        `text` is compared in NFC, the form addresses, usernames and names are stored in.
        """
        limit = min(limit, self.max_page_size)
        text = nfc((text or "").strip()) or None
        entries, total = await self.admin.search_accounts(
            text=text, role=role, status=status, limit=limit, offset=offset
        )
        entries = list(entries)
        if text is not None:
            by_name = await self._name_only_matches(text, role=role, status=status)
            start = max(0, offset - total)
            entries += by_name[start : start + limit - len(entries)]
            total += len(by_name)
        await self.audit.record(
            "users.listed",
            actor_id=admin.id,
            ip=ip,
            detail={
                "q": text,
                "role": role,
                "status": status,
                "limit": limit,
                "offset": offset,
                "returned": len(entries),
            },
        )
        return entries, total

    async def approve(self, admin: Principal, user_id: uuid.UUID) -> UserRead:
        """Activate a pending staff account."""
        return await self._read(await self.admin.approve(user_id, by=admin.id))

    async def set_roles(self, admin: Principal, user_id: uuid.UUID, roles: list[Role]) -> UserRead:
        """Replace an account's roles; an admin keeps their own admin role."""
        entry = await self.admin.set_roles(user_id, frozenset(roles), by=admin.id)
        return await self._read(entry)

    async def deactivate(self, admin: Principal, user_id: uuid.UUID) -> UserRead:
        """Block an account's logins and end its sessions (never one's own)."""
        return await self._read(await self.admin.deactivate(user_id, by=admin.id))

    async def reactivate(self, admin: Principal, user_id: uuid.UUID) -> UserRead:
        """Allow a deactivated account to log in again."""
        return await self._read(await self.admin.reactivate(user_id, by=admin.id))

    async def force_password_reset(self, admin: Principal, user_id: uuid.UUID) -> None:
        """End an account's sessions and make it choose a new password (never one's own)."""
        await self.admin.force_password_reset(user_id, by=admin.id)

    async def _read(self, entry: DirectoryEntry) -> UserRead:
        return to_read(entry, await self.profiles.get(entry.id))

    async def _name_only_matches(
        self, text: str, *, role: str | None, status: str | None
    ) -> list[DirectoryEntry]:
        # Accounts already found through their e-mail or username are left out, so the
        # combined listing counts every user once.
        needle = text.lower()
        matches = []
        for account_id in await self.profiles.search_names(text):
            entry = await self.accounts.get_account(account_id)
            if entry is None or needle in entry.email.lower():
                continue
            if needle in entry.username.lower():
                continue
            if (role is None or role in entry.roles) and (status is None or entry.status == status):
                matches.append(entry)
        return matches
