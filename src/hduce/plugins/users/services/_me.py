"""`/users/me` and reading one user: who may see whose profile, and what they may change."""

import uuid

import msgspec

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import STAFF_ROLES, Accounts, DirectoryEntry, Role
from hduce.core.errors import Forbidden, NotFound
from hduce.core.security import Principal
from hduce.plugins.users.schemas import PRACTITIONER_FIELDS, ProfileUpdate, UserRead
from hduce.plugins.users.store import ProfileData, ProfileStore

# Clinic staff look patients up (to book, admit, treat); only admins see every account.
PATIENT_READERS = (Role.DOCTOR, Role.NURSE, Role.RECEPTIONIST)


def to_read(entry: DirectoryEntry, profile: ProfileData | None) -> UserRead:
    """The API view of an account and its profile (defaults when it has no profile yet)."""
    return UserRead(
        id=entry.id,
        email=entry.email,
        username=entry.username,
        roles=sorted(entry.roles),
        status=entry.status,
        **msgspec.structs.asdict(profile or ProfileData()),
    )


class UserProfiles:
    """The caller's own profile, and profile reads checked against the caller's roles."""

    def __init__(self, accounts: Accounts, audit: AuditLog, profiles: ProfileStore) -> None:
        self._accounts = accounts
        self._audit = audit
        self._profiles = profiles

    async def me(self, principal: Principal) -> UserRead:
        """The caller's account and profile."""
        return to_read(*await self._user(principal.id))

    async def update_me(self, principal: Principal, data: ProfileUpdate) -> UserRead:
        """Change the caller's profile; practitioner details are for staff accounts only."""
        entry = await self._accounts.get_account(principal.id)
        if entry is None:
            raise NotFound("no such user")
        changes = data.changes()
        practitioner = sorted(set(changes) & set(PRACTITIONER_FIELDS))
        if practitioner and entry.roles.isdisjoint(STAFF_ROLES):
            raise Forbidden(
                f"only staff accounts have practitioner details: {', '.join(practitioner)}"
            )
        return to_read(entry, await self._profiles.update(entry.id, changes))

    async def read_user(
        self, principal: Principal, user_id: uuid.UUID, *, ip: str | None = None
    ) -> UserRead:
        """Any account for an admin, patients for clinic staff, oneself for everyone else."""
        if user_id == principal.id:
            return await self.me(principal)
        if not principal.has_any_role(Role.ADMIN, *PATIENT_READERS):
            raise NotFound("no such user")
        entry, profile = await self._user(user_id)
        if not principal.has_any_role(Role.ADMIN) and Role.PATIENT not in entry.roles:
            raise NotFound("no such user")
        await self._audit.record(
            "users.profile_read", actor_id=principal.id, subject_id=user_id, ip=ip
        )
        return to_read(entry, profile)

    async def _user(self, user_id: uuid.UUID) -> tuple[DirectoryEntry, ProfileData | None]:
        found = await self._profiles.get_user(user_id)
        if found is None:
            raise NotFound("no such user")
        return found
