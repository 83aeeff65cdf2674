"""Creating accounts: self-registration and the bootstrap of staff accounts."""

import uuid
from datetime import date

import msgspec
from asyncpg.exceptions import UniqueViolationError

from hduce.contracts.auth import (
    AccountStatus,
    DirectoryEntry,
    Role,
    UserRegistered,
    UserRegistrationAttempted,
)
from hduce.contracts.users import ProfileFields
from hduce.core.email_address import MAX_LENGTH, REFUSED
from hduce.plugins.auth.errors import AccountExists, InvalidInput, RoleNotAllowed
from hduce.plugins.auth.schemas import (
    AccountCreate,
    AccountFields,
    ClientInfo,
    controls_reason,
    field_reason,
)
from hduce.plugins.auth.services._env import VERIFICATION, AuthEnv
from hduce.plugins.auth.services._hashing import NO_PASSWORD
from hduce.plugins.auth.store import VERIFY_EMAIL, AccountRow, NewAccount

TAKEN = "An account with this e-mail address or username already exists."
USERNAME_TAKEN = "This username is taken; choose another."
REGISTRATION_ACCEPTED = (
    "Registration received: check your e-mail for what to do next (a new account's address "
    "must be verified through the link sent to it)."
)
"""The answer to every registration that is not refused, whether or not the address is known."""


class RegistrationService:
    """Creates accounts with their profile, verification request and events in one transaction."""

    def __init__(self, env: AuthEnv) -> None:
        self._env = env

    async def register(self, data: AccountCreate, client: ClientInfo) -> uuid.UUID | None:
        """Self-register a patient (active) or a staff member (pending approval); its id.

        A taken username is refused (409: the person picks another). A known e-mail address is
        not told apart from a new one (OWASP: no account enumeration), and None is returned for
        the caller to answer as it answers a new account. While the address is unverified,
        this registration replaces the one before it (`_register_again`): its password,
        username, names and role, with a new link, unless the address has had
        `verify_email_per_hour_per_account` links this hour (then nothing changes); once
        verified, nothing is opened and its owner is mailed a notice.
        """
        if data.role == Role.ADMIN:
            raise RoleNotAllowed("Admin accounts cannot be self-registered.")
        status = (
            AccountStatus.ACTIVE if data.role == Role.PATIENT else AccountStatus.PENDING_APPROVAL
        )
        profile = msgspec.convert(data, ProfileFields, from_attributes=True)
        new = _stored(
            NewAccount(email=data.email, username=data.username, roles=[data.role], status=status)
        )
        env = self._env
        owner = await env.accounts.find(new.email)
        holder = await env.accounts.find(new.username)
        if holder is not None and (owner is None or holder.id != owner.id):
            raise AccountExists.naming("username", USERNAME_TAKEN, "body", detail=USERNAME_TAKEN)
        # A verification link to the address, counted as a resend is (a new account's as well).
        may_mail = await env.limits.verify_email.allows(new.email)
        if owner is None:
            return (await self._create(new, data.password, profile, client=client)).id
        password_hash = await self._hash(new, data.password, profile)
        async with env.transaction():
            if not _replaceable(owner):
                await env.events.publish(UserRegistrationAttempted(user_id=owner.id))
            elif may_mail and await self._register_again(
                owner, new, password_hash, profile, client
            ):
                return None
            await env.audit(
                "auth.registration_attempted", actor_id=None, subject_id=owner.id, client=client
            )
        return None

    async def _register_again(
        self,
        owner: AccountRow,
        new: NewAccount,
        password_hash: str,
        profile: ProfileFields,
        client: ClientInfo,
    ) -> bool:
        """Replace an unverified account's registration with this one; False once verified.

        The address's owner may be the one registering now, a stranger the one before (or the
        other way round): nothing of the earlier registration is kept (password, username,
        profile, requested role, second factor, sessions) and its link stops working, so the
        link that verifies the address confirms the registration it was mailed for.
        """
        env = self._env
        # Its links first: a verification under way holds them, then the account (no deadlock).
        await env.one_time_tokens.spend(owner.id, VERIFY_EMAIL)
        try:
            account = await env.accounts.register_again(owner.id, new, password_hash)
        except UniqueViolationError:
            raise AccountExists.naming(
                "username", USERNAME_TAKEN, "body", detail=USERNAME_TAKEN
            ) from None
        if account is None:
            return False  # verified meanwhile
        await env.second_factors.delete_recovery_codes(account.id)
        await env.sessions.revoke_all(account.id)
        profiles = env.profiles.get()
        if profiles is not None:
            await profiles.replace_profile(account.id, profile)
        await self._registered(account, new, client=client, actor_id=None, replaced=True)
        return True

    async def create_account(
        self,
        *,
        email: str,
        username: str,
        password: str | None,
        roles: list[str],
        first_name: str,
        last_name: str,
        phone: str | None = None,
        date_of_birth: date | None = None,
        by: uuid.UUID | None = None,
    ) -> DirectoryEntry:
        """An active account with a verified e-mail address (`hduce user create`, `import`).

        Its fields are checked as the API checks them (`InvalidInput` names the field); the
        audit log records `by` (the acting admin, None only for the first one) as its author.
        With `password` None it has no usable one (nothing hashed): its owner sets one through
        an invitation or "forgot password".
        """
        _check_fields(
            email=email,
            username=username,
            first_name=first_name,
            last_name=last_name or None,
            phone=phone,
        )
        profile = ProfileFields(
            first_name=first_name, last_name=last_name, phone=phone, date_of_birth=date_of_birth
        )
        new = _stored(
            NewAccount(
                email=email,
                username=username,
                roles=roles,
                status=AccountStatus.ACTIVE,
                verified=True,
            )
        )
        if await self._env.accounts.exists(new.email, new.username):
            raise AccountExists(TAKEN)  # checked before hashing: a taken name costs no argon2
        account = await self._create(new, password, profile, actor_id=by)
        return account.entry()

    async def _create(
        self,
        new: NewAccount,
        password: str | None,
        profile: ProfileFields,
        *,
        client: ClientInfo | None = None,
        actor_id: uuid.UUID | None = None,
    ) -> AccountRow:
        env = self._env
        password_hash = (
            NO_PASSWORD if password is None else await self._hash(new, password, profile)
        )
        async with env.transaction():
            try:
                account = await env.accounts.insert(new, password_hash)
            except UniqueViolationError:
                raise AccountExists(TAKEN) from None
            await self._create_profile(account, profile)
            await self._registered(account, new, client=client, actor_id=actor_id)
        return account

    async def _registered(
        self,
        account: AccountRow,
        new: NewAccount,
        *,
        client: ClientInfo | None,
        actor_id: uuid.UUID | None,
        replaced: bool = False,
    ) -> None:
        """Publish and audit a registration, and mail its link if the address needs proving."""
        env = self._env
        pending = new.status == AccountStatus.PENDING_APPROVAL
        await env.events.publish(
            UserRegistered(
                user_id=account.id, email=new.email, roles=new.roles, pending_approval=pending
            )
        )
        if not new.verified:
            await env.mail_one_time_link(account, VERIFICATION)
        detail = {"roles": new.roles, "status": new.status, "via": "api" if client else "cli"}
        await env.audit(
            "auth.registered",
            actor_id=account.id if client else actor_id,
            subject_id=account.id,
            client=client,
            detail={**detail, "replaced_unverified": True} if replaced else detail,
        )

    async def _hash(self, new: NewAccount, password: str, profile: ProfileFields) -> str:
        """The password's hash, once it passes the policy (422 with the reasons otherwise)."""
        hasher = self._env.hasher
        await hasher.check_policy(
            password, user_inputs=[new.email, new.username, profile.first_name, profile.last_name]
        )
        return await hasher.hash(password)

    async def _create_profile(self, account: AccountRow, profile: ProfileFields) -> None:
        profiles = self._env.profiles.get()
        if profiles is None:
            return  # without the users plugin there are no profiles to keep
        await profiles.create_profile(account.id, profile)


def _check_fields(**fields: str | None) -> None:
    try:
        msgspec.convert(fields, AccountFields)
    except msgspec.ValidationError as exc:
        raise InvalidInput(field_reason(exc)) from None
    if problem := controls_reason(fields):
        raise InvalidInput(problem)


def _stored(new: NewAccount) -> NewAccount:
    """`new` as it is stored; 422 if its address grows too long there (NFKC can lengthen it)."""
    stored = new.normalised()
    if len(stored.email) > MAX_LENGTH:
        raise InvalidInput(f"{REFUSED}: longer than {MAX_LENGTH} characters once normalised")
    return stored


def _replaceable(owner: AccountRow) -> bool:
    """Whether a registration of `owner`'s address may replace it: an unverified self-registration.

    Not a verified or deactivated account, nor one the clinic opened and invited (its profile is
    the clinic's record; `must_reset_password` until its owner chooses a password).
    """
    return (
        owner.email_verified_at is None
        and owner.status != AccountStatus.DEACTIVATED
        and not owner.must_reset_password
    )
