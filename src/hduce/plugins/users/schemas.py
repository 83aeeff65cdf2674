"""API shapes of the users plugin: `/users/me`, user reads, pages and role changes."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from hduce.contracts.auth import Role
from hduce.contracts.users import Name, Phone
from hduce.core.schemas import Input, Read, check_birth_date
from hduce.core.time_zones import known_time_zones
from hduce.core.unicode_forms import check_nfc_lengths

PRACTITIONER_FIELDS = ("specialty", "institution", "licence_number")

Text200 = Annotated[str, Meta(max_length=200)]
Text100 = Annotated[str, Meta(max_length=100)]
Address = Annotated[str, Meta(max_length=500)]
Licence = Annotated[str, Meta(max_length=64)]
Timezone = Annotated[str, Meta(max_length=64, description="An IANA time zone, e.g. Europe/Paris")]


class ProfileUpdate(Input):
    """Profile fields to change; absent fields stay as they are, `null` clears an optional one."""

    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    phone: Phone | UnsetType | None = UNSET
    date_of_birth: date | UnsetType | None = UNSET
    address: Address | UnsetType | None = UNSET
    emergency_contact_name: Text200 | UnsetType | None = UNSET
    emergency_contact_phone: Phone | UnsetType | None = UNSET
    timezone: Timezone | UnsetType = UNSET
    specialty: Text100 | UnsetType | None = UNSET
    institution: Text200 | UnsetType | None = UNSET
    licence_number: Licence | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        """Reject unknown time zones, birth dates in the future, text too long once in NFC."""
        super().__post_init__()
        if isinstance(self.timezone, str) and self.timezone not in known_time_zones():
            raise ValueError(f"unknown time zone {self.timezone!r} - at `$.timezone`")
        check_birth_date(self.date_of_birth)
        check_nfc_lengths(self)

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, by column name."""
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not UNSET
        }


class UserRead(Read):
    """An account with its profile."""

    id: uuid.UUID
    email: str
    username: str
    roles: list[str]
    status: str
    first_name: str
    last_name: str
    phone: str | None
    date_of_birth: date | None
    address: str | None
    emergency_contact_name: str | None
    emergency_contact_phone: str | None
    specialty: str | None
    institution: str | None
    licence_number: str | None
    timezone: str


class RolesUpdate(Input):
    """The complete new set of roles of an account."""

    roles: Annotated[list[Role], Meta(min_length=1, max_length=len(Role))]


class CareTeamMemberRead(Read):
    """A doctor or nurse on a patient's care team (`active`: the account can sign in)."""

    id: uuid.UUID
    first_name: str
    last_name: str
    specialty: str | None
    roles: list[str]
    active: bool
    added_by: uuid.UUID
    added_at: datetime


class CareTeamRead(Read):
    """The clinicians looking after a patient, earliest added first."""

    patient_id: uuid.UUID
    members: list[CareTeamMemberRead]


class PractitionerRead(Read):
    """A doctor or nurse as patients see them: names, clinical roles, specialty, institution."""

    id: uuid.UUID
    first_name: str
    last_name: str
    roles: list[str]
    specialty: str | None
    institution: str | None


class PersonalDataExport(msgspec.Struct, kw_only=True):
    """Every enabled plugin's section of what it stores about one account."""

    user_id: uuid.UUID
    generated_at: datetime
    sections: dict[str, Any]
