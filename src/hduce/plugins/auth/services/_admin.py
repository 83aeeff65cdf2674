"""The `Accounts` and `AccountAdmin` contracts: lookups and audited account administration."""

import uuid

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
from hduce.core.security import Principal
from hduce.plugins.auth.errors import OwnAccountProtected
from hduce.plugins.auth.services._env import INVITATION, AuthEnv
from hduce.plugins.auth.services._passwords import PasswordService
from hduce.plugins.auth.store import RESET_PASSWORD, VERIFY_EMAIL, AccountRow, AccountStore

KNOWN_ROLES = frozenset(Role)


class InvalidRoles(HduceError):
    """The role set is empty or names an unknown role."""

    status_code, slug, title = 422, "invalid-roles", "Invalid roles"


class AccountDirectory:
    """Implements `Accounts`: account lookups for other plugins."""

    def __init__(self, accounts: AccountStore) -> None:
        self._accounts = accounts

    async def get_account(self, account_id: uuid.UUID) -> DirectoryEntry | None:
        """One account (without profile fields), or None."""
        return await self._accounts.entry(account_id)

    async def find_account(self, email_or_username: str) -> DirectoryEntry | None:
        """An account by e-mail address or username, or None."""
        account = await self._accounts.find(email_or_username)
        return account.entry() if account else None

    async def require(
        self, account_id: uuid.UUID, role: Role, *, key: str, source: str = "body"
    ) -> DirectoryEntry:
        """The account if it holds `role`; else `NotInRole` (422) naming the input `key`."""
        entry = await self.get_account(account_id)
        if entry is None or role not in entry.roles:
            said = f"{account_id} is not a {role}'s account"
            raise NotInRole.naming(key, said, source, detail=said)
        return entry

    async def lookup(self, who: str) -> DirectoryEntry:
        """The account `who` names: its id, e-mail address or username."""
        try:
            entry = await self.get_account(uuid.UUID(who))
        except ValueError:
            entry = await self.find_account(who)
        if entry is None:
            raise NotFound(f"no account {who!r} (give its id, e-mail or username)")
        return entry


class AccountAdminService:
    """Implements `AccountAdmin`; every change is audited in its own transaction."""

    def __init__(
        self, env: AuthEnv, passwords: PasswordService, directory: AccountDirectory
    ) -> None:
        self._env = env
        self._passwords = passwords
        self._directory = directory

    async def search_accounts(
        self, *, text: str | None, role: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[list[DirectoryEntry], int]:
        """Accounts whose e-mail or username contains `text`, filtered; and the total count."""
        accounts, total = await self._env.accounts.search(
            text=text, role=role, status=status, limit=limit, offset=offset
        )
        return [account.entry() for account in accounts], total

    async def approve(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Activate a pending staff account."""
        async with self._env.transaction():
            account = await self._locked(account_id)
            if account.status != AccountStatus.PENDING_APPROVAL:
                raise Conflict(f"The account is {account.status}, not pending approval.")
            await self._env.accounts.set_status(account_id, AccountStatus.ACTIVE)
            await self._env.events.publish(UserApproved(user_id=account_id, approved_by=by))
            await self._env.audit("auth.account_approved", actor_id=by, subject_id=account_id)
        return await self._entry(account_id)

    async def set_roles(
        self, account_id: uuid.UUID, roles: frozenset[str], *, by: uuid.UUID
    ) -> DirectoryEntry:
        """Replace an account's roles (taking effect at its next token refresh).

        An admin keeps their own admin role; the last active admin keeps theirs.
        """
        if not roles or not roles <= KNOWN_ROLES:
            known = ", ".join(sorted(role.value for role in KNOWN_ROLES))
            raise InvalidRoles(f"Roles must be a non-empty subset of {known}.")
        if account_id == by and Role.ADMIN not in roles:
            raise OwnAccountProtected("you cannot remove your own admin role")
        async with self._env.transaction():
            account = await self._locked(account_id)
            if set(account.roles) == roles:
                return account.entry()  # nothing changes: nothing to publish or audit
            if Role.ADMIN in account.roles and Role.ADMIN not in roles:
                await self._keep_an_admin(account_id)
            await self._env.accounts.update(account_id, roles=sorted(roles))
            await self._env.events.publish(
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
        """Block logins, end every session and spend the mailed links.

        Never one's own account, nor the last active admin.
        """
        if account_id == by:
            raise OwnAccountProtected("you cannot deactivate your own account")
        async with self._env.transaction():
            account = await self._locked(account_id)
            if account.status == AccountStatus.DEACTIVATED:
                raise Conflict("The account is already deactivated.")
            if Role.ADMIN in account.roles:
                await self._keep_an_admin(account_id)
            await self._env.accounts.set_status(account_id, AccountStatus.DEACTIVATED)
            await self._env.sessions.revoke_all(account_id)
            for purpose in (RESET_PASSWORD, VERIFY_EMAIL):  # links mailed before stop working
                await self._env.one_time_tokens.spend(account_id, purpose)
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
            await self._env.accounts.set_status(account_id, AccountStatus.ACTIVE)
            await self._env.lockout.forget(account.email, account.username)
            await self._status_changed(account_id, AccountStatus.ACTIVE, by)
            await self._env.audit("auth.account_reactivated", actor_id=by, subject_id=account_id)
        return await self._entry(account_id)

    async def force_password_reset(self, account_id: uuid.UUID, *, by: uuid.UUID) -> None:
        """Revoke every session, require a new password and send a reset e-mail.

        Not on one's own account, nor on a deactivated one (its reset link would be refused).
        """
        if account_id == by:
            raise OwnAccountProtected("you cannot force a password reset on your own account")
        async with self._env.transaction():
            account = await self._locked(account_id)
            if account.status == AccountStatus.DEACTIVATED:
                raise Conflict("The account is deactivated: reactivate it first.")
            await self._env.accounts.update(account_id, must_reset_password=True)
            await self._env.sessions.revoke_all(account_id)
            await self._passwords.request_reset(account)
            await self._env.audit("auth.password_reset_forced", actor_id=by, subject_id=account_id)

    async def invite(self, account_id: uuid.UUID, *, by: uuid.UUID) -> None:
        """Mail the invitation to an account the clinic opened: its link chooses the password.

        The link is a reset link (the reset-password page takes it) valid for
        `verification_token_ttl`; it spends the account's older reset links.
        """
        async with self._env.transaction():
            account = await self._locked(account_id)
            # Until its owner chooses a password: no registration of its address replaces it.
            await self._env.accounts.update(account_id, must_reset_password=True)
            await self._env.mail_one_time_link(account, INVITATION)
            await self._env.audit("auth.invited", actor_id=by, subject_id=account_id)

    async def acting_admin(
        self, who: str | None, *, other_than: uuid.UUID | None = None
    ) -> Principal:
        """The admin a command acts as: `who`, else the oldest active admin not `other_than`."""
        if who:
            entry = await self._directory.lookup(who)
            if Role.ADMIN not in entry.roles or entry.status != AccountStatus.ACTIVE:
                raise Conflict(f"{who!r} is not an active admin")
        else:
            admins, _ = await self.search_accounts(
                text=None, role=Role.ADMIN, status=AccountStatus.ACTIVE, limit=2, offset=0
            )
            others = [admin for admin in admins if admin.id != other_than]
            if not others:
                raise Conflict(
                    "there is no other active admin to act as: create one with `hduce user create`"
                    if admins
                    else "there is no active admin yet: create one with `hduce user create`"
                )
            entry = others[0]
        return Principal(id=entry.id, roles=entry.roles)

    async def _status_changed(
        self, account_id: uuid.UUID, status: AccountStatus, by: uuid.UUID
    ) -> None:
        event = UserStatusChanged(user_id=account_id, status=status, changed_by=by)
        await self._env.events.publish(event)

    async def _locked(self, account_id: uuid.UUID) -> AccountRow:
        account = await self._env.accounts.get(account_id, lock=True)
        if account is None:
            raise NotFound("no such account")
        return account

    async def _entry(self, account_id: uuid.UUID) -> DirectoryEntry:
        account = await self._env.accounts.get(account_id)
        if account is None:
            raise NotFound("no such account")
        return account.entry()

    async def _keep_an_admin(self, account_id: uuid.UUID) -> None:
        """Refuse a change that would leave no active admin."""
        if await self._env.accounts.other_active_admins(account_id) == 0:
            raise Conflict("This is the last active admin account.")
