"""The users plugin's contracts: profiles, demographics, the user directory, listing, care teams."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Protocol

import msgspec

from hduce.contracts.auth import DirectoryEntry
from hduce.core.security import Principal
from hduce.core.text_patterns import matching, not_blank

PHONE_WORDS = "7 to 15 digits, may start with + and hold spaces, dots, dashes and brackets"
Phone = Annotated[
    str,
    matching(
        # 7 to 15 digits (E.164), an optional leading + and common separators; no line break
        # (`$` alone also matches before a final one).
        r"^(?!.*\n)(?=(?:\D*\d){7,15}\D*$)\+?[0-9 ().-]+$",
        PHONE_WORDS,
        max_length=32,
        description=PHONE_WORDS,
    ),
]
"""A phone number as profiles and registrations take it."""
Name = Annotated[str, not_blank(min_length=1, max_length=100)]
"""A first or last name as profiles and registrations take it: not blank."""


class PersonFields(msgspec.Struct, frozen=True, kw_only=True):
    """Who a person is: the names, phone and date of birth every shape of a profile starts with."""

    first_name: str
    last_name: str
    phone: str | None = None
    date_of_birth: date | None = None


class ProfileFields(PersonFields, frozen=True, kw_only=True):
    """Profile data collected at registration or edited later."""

    specialty: str | None = None
    institution: str | None = None


class ContactDetails(msgspec.Struct, frozen=True, kw_only=True):
    """Where and when to reach a user (for notifications and reminders)."""

    user_id: uuid.UUID
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    timezone: str = "UTC"


def contact_of(entry: DirectoryEntry) -> ContactDetails:
    """How to reach the user of a directory entry (its fields of the same names)."""
    return msgspec.convert({**msgspec.structs.asdict(entry), "user_id": entry.id}, ContactDetails)


class Demographics(msgspec.Struct, frozen=True, kw_only=True):
    """What a person is looked up by: account, names, contact details and date of birth."""

    id: uuid.UUID
    email: str
    roles: frozenset[str]
    status: str
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    date_of_birth: date | None = None
    address: str | None = None
    specialty: str | None = None
    updated_at: datetime | None = None
    """When the profile last changed (None without a profile)."""


class PeopleQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Filters of a people search; every given filter must match."""

    roles: frozenset[str]
    """Accounts holding at least one of these roles."""
    without_roles: frozenset[str] = frozenset()
    """Accounts holding none of these roles."""
    active_only: bool = False
    ids: frozenset[uuid.UUID] | None = None
    name: str | None = None
    """The start of the first name, last name or full name (case-insensitive)."""
    email: str | None = None
    """The whole e-mail address (case-insensitive)."""
    born_from: date | None = None
    born_before: date | None = None
    updated_from: datetime | None = None
    """Profiles last changed at or after this instant."""
    updated_before: datetime | None = None
    """Profiles last changed before this instant."""
    limit: int = 20
    offset: int = 0


class DemographicsReader(Protocol):
    """Bulk reads of people for read models such as search indexes (provided by users)."""

    async def demographics(self, ids: Sequence[uuid.UUID]) -> list[Demographics]:
        """The people among `ids` that exist, in no particular order."""

    async def demographics_page(self, *, after: uuid.UUID | None, limit: int) -> list[Demographics]:
        """Up to `limit` people with an id above `after`, by id (for a full rebuild)."""

    async def search(self, query: PeopleQuery) -> tuple[list[Demographics], int]:
        """One page of the people matching `query` by name, then id; and the total count."""


class Profiles(Protocol):
    """Profile storage (provided by the users plugin)."""

    async def create_profile(self, account_id: uuid.UUID, fields: ProfileFields) -> None:
        """Create the profile of a new account inside the caller's transaction."""

    async def replace_profile(self, account_id: uuid.UUID, fields: ProfileFields) -> None:
        """Replace an account's whole profile with a new one's, inside the caller's transaction.

        For a registration that replaces an earlier one of the same unverified address.
        """


class UserDirectory(Protocol):
    """Lookups other plugins make about users (provided by the users plugin)."""

    async def get(self, user_id: uuid.UUID) -> DirectoryEntry | None:
        """A user by id, or None."""

    async def get_many(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DirectoryEntry]:
        """Several users by id, in one read; unknown ids are left out."""

    async def find_by_email(self, email: str) -> DirectoryEntry | None:
        """A user by e-mail, or None."""

    async def contact(self, user_id: uuid.UUID) -> ContactDetails | None:
        """How to reach a user (e-mail, phone, time zone, name), or None."""


class UserListing(Protocol):
    """The admins' audited account search of `GET /api/v1/users` (provided by users)."""

    async def list_accounts(
        self,
        admin: Principal,
        *,
        text: str | None,
        role: str | None,
        status: str | None,
        limit: int,
        offset: int,
        ip: str | None,
    ) -> tuple[list[DirectoryEntry], int]:
        """Accounts matching `text` in e-mail, username or name, filtered; and the total count.

        Audited as `users.listed`; a `limit` above the clinic's largest page is cut to it.
        """


class CareTeams(Protocol):
    """Who looks after a patient (provided by the users plugin)."""

    async def clinicians(self, patient_id: uuid.UUID) -> list[uuid.UUID]:
        """The active doctors and nurses on the patient's care team; empty if it has none."""


class OwnProfile(PersonFields, frozen=True, kw_only=True):
    """What a person may change of their own profile."""

    address: str | None = None
    emergency_contact_name: str | None = None
    emergency_contact_phone: str | None = None
    timezone: str = "UTC"


class MyAccount(Protocol):
    """One's own profile and data export, as `/users/me` gives them (provided by users)."""

    async def profile(self, principal: Principal) -> OwnProfile:
        """The caller's profile."""

    async def update_profile(
        self, principal: Principal, changes: Mapping[str, object]
    ) -> OwnProfile:
        """Change the given fields (`None` clears an optional one); 422 with the API's limits."""

    async def export(self, principal: Principal, ip: str | None) -> bytes:
        """Everything the clinic stores about the caller as one JSON document (audited)."""
