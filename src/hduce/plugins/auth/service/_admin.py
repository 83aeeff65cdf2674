"""The `Accounts` and `AccountAdmin` contracts: lookups and audited account administration."""

import uuid
from typing import Any

from hduce.contracts.auth import (
    AccountStatus,
    DirectoryEntry,
    NotInRole,
    Role,
    UserApproved,
    UserRolesChanged,
    UserStatusChanged,
)
from hduce.core.errors import Conflict, HduceError, NotFound
from hduce.plugins.auth.service._env import AuthEnv
from hduce.plugins.auth.service._passwords import PasswordService
from hduce.plugins.auth.store import (
    ACCOUNT_COLUMNS,
    AccountRow,
    find_account,
    get_account,
    get_entry,
    update_account,
)
from hduce.plugins.auth.tables import Account

KNOWN_ROLES = frozenset(Role)


class InvalidRoles(HduceError):
    """The role set is empty or names an unknown role."""

    status_code, slug, title = 422, "invalid-roles", "Invalid roles"


class AccountDirectory:
    """Implements `Accounts`: account lookups for other plugins."""

    async def get_account(self, account_id: uuid.UUID) -> DirectoryEntry | None:
        """One account (without profile fields), or None."""
        return await get_entry(account_id)

    async def find_account(self, email_or_username: str) -> DirectoryEntry | None:
        """An account by e-mail address or username, or None."""
        account = await find_account(email_or_username)
        return account.entry() if account else None

    async def require(self, account_id: uuid.UUID, role: Role) -> DirectoryEntry:
        """The account if it holds `role`; else `NotInRole` (422)."""
        entry = await get_entry(account_id)
        if entry is None or role not in entry.roles:
            raise NotInRole(f"{account_id} is not a {role}'s account")
        return entry


class AccountAdminService:
    """Implements `AccountAdmin`; every change is audited in its own transaction."""

    def __init__(self, env: AuthEnv, passwords: PasswordService) -> None:
        self._env = env
        self._passwords = passwords

    async def search_accounts(
        self, *, text: str | None, role: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[list[DirectoryEntry], int]:
        """Accounts whose e-mail or username contains `text`, filtered; and the total count."""
        where, args = ["true"], []
        if text:
            pattern = _contains(text.lower())
            where.append("(email LIKE {} OR username LIKE {})")
            args += [pattern, pattern]
        if role:
            where.append("{} = ANY(roles)")
            args.append(role)
        if status:
            where.append("status = {}")
            args.append(status)
        condition = " AND ".join(where)
        rows = await Account.raw(
            f"SELECT {ACCOUNT_COLUMNS}, count(*) OVER () AS total FROM account WHERE {condition} "
            "ORDER BY created_at, id LIMIT {} OFFSET {}",
            *args,
            limit,
            offset,
        )
        total = rows[0]["total"] if rows else await self._count(condition, args)
        entries = [AccountRow(**{k: v for k, v in r.items() if k != "total"}).entry() for r in rows]
        return entries, total

    async def approve(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Activate a pending staff account."""
        async with self._env.transaction():
            account = await self._locked(account_id)
            if account.status != AccountStatus.PENDING_APPROVAL:
                raise Conflict(f"The account is {account.status}, not pending approval.")
            await update_account(account_id, status=AccountStatus.ACTIVE)
            await self._env.context.events.publish(UserApproved(user_id=account_id, approved_by=by))
            await self._env.audit("auth.account_approved", actor_id=by, subject_id=account_id)
        return await self._entry(account_id)

    async def set_roles(
        self, account_id: uuid.UUID, roles: frozenset[str], *, by: uuid.UUID
    ) -> DirectoryEntry:
        """Replace an account's roles (taking effect at its next token refresh)."""
        if not roles or not roles <= KNOWN_ROLES:
            raise InvalidRoles(f"Roles must be a non-empty subset of {sorted(KNOWN_ROLES)}.")
        async with self._env.transaction():
            account = await self._locked(account_id)
            if Role.ADMIN in account.roles and Role.ADMIN not in roles:
                await self._keep_an_admin(account_id)
            await update_account(account_id, roles=sorted(roles))
            await self._env.context.events.publish(
                UserRolesChanged(user_id=account_id, roles=sorted(roles), changed_by=by)
            )
            await self._env.audit(
                "auth.role_changed",
                actor_id=by,
                subject_id=account_id,
                detail={"from": sorted(account.roles), "to": sorted(roles)},
            )
        return await self._entry(account_id)

    async def deactivate(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Block logins and revoke every session."""
        async with self._env.transaction():
            account = await self._locked(account_id)
            if account.status == AccountStatus.DEACTIVATED:
                raise Conflict("The account is already deactivated.")
            if Role.ADMIN in account.roles:
                await self._keep_an_admin(account_id)
            await update_account(account_id, status=AccountStatus.DEACTIVATED)
            await self._env.sessions.revoke_all(account_id)
            await self._status_changed(account_id, AccountStatus.DEACTIVATED, by)
            await self._env.audit(
                "auth.account_deactivated",
                actor_id=by,
                subject_id=account_id,
                detail={"previous_status": account.status},
            )
        return await self._entry(account_id)

    async def reactivate(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Allow logins again."""
        async with self._env.transaction():
            account = await self._locked(account_id)
            if account.status != AccountStatus.DEACTIVATED:
                raise Conflict(f"The account is {account.status}, not deactivated.")
            await update_account(
                account_id, status=AccountStatus.ACTIVE, failed_logins=0, locked_until=None
            )
            await self._status_changed(account_id, AccountStatus.ACTIVE, by)
            await self._env.audit("auth.account_reactivated", actor_id=by, subject_id=account_id)
        return await self._entry(account_id)

    async def force_password_reset(self, account_id: uuid.UUID, *, by: uuid.UUID) -> None:
        """Revoke every session, require a new password and send a reset e-mail."""
        async with self._env.transaction():
            account = await self._locked(account_id)
            await update_account(account_id, must_reset_password=True)
            await self._env.sessions.revoke_all(account_id)
            await self._passwords.request_reset(account)
            await self._env.audit("auth.password_reset_forced", actor_id=by, subject_id=account_id)

    async def _status_changed(
        self, account_id: uuid.UUID, status: AccountStatus, by: uuid.UUID
    ) -> None:
        event = UserStatusChanged(user_id=account_id, status=status, changed_by=by)
        await self._env.context.events.publish(event)

    async def _locked(self, account_id: uuid.UUID) -> AccountRow:
        account = await get_account(account_id, lock=True)
        if account is None:
            raise NotFound("no such account")
        return account

    async def _entry(self, account_id: uuid.UUID) -> DirectoryEntry:
        account = await get_account(account_id)
        if account is None:
            raise NotFound("no such account")
        return account.entry()

    async def _keep_an_admin(self, account_id: uuid.UUID) -> None:
        """Refuse a change that would leave no active admin."""
        rows = await Account.raw(
            "SELECT count(*) AS n FROM account WHERE status = 'active' AND 'admin' = ANY(roles) "
            "AND id <> {}",
            account_id,
        )
        if rows[0]["n"] == 0:
            raise Conflict("This is the last active admin account.")

    async def _count(self, condition: str, args: list[Any]) -> int:
        rows = await Account.raw(f"SELECT count(*) AS n FROM account WHERE {condition}", *args)
        return int(rows[0]["n"])


def _contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
