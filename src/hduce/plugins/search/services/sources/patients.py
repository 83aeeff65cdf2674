"""Patients, from the users plugin's `DemographicsReader`; staff accounts are never indexed.

Deactivated patients stay searchable for staff: their records and appointments remain part of
the clinic's files, and deactivation only stops logins.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from hduce.contracts.auth import STAFF_ROLES, Role
from hduce.contracts.users import Demographics, DemographicsReader, PeopleQuery
from hduce.plugins.search.services._entries import Entry, clean, joined
from hduce.plugins.search.services.sources.base import Batch

KIND = "patient"
# An account without a profile row has no version yet: any profile write will be newer.
NO_VERSION = datetime(1970, 1, 1, tzinfo=UTC)


def is_patient(person: Demographics) -> bool:
    """A patient's account that holds no staff role."""
    return Role.PATIENT in person.roles and person.roles.isdisjoint(STAFF_ROLES)


def full_name(person: Demographics) -> str:
    """First and last name, or the e-mail address for an account without a name."""
    return f"{person.first_name} {person.last_name}".strip() or person.email


def patient_entry(person: Demographics) -> Entry:
    """The entry of one patient: name as title; e-mail, phone, birth date and address as body."""
    phone_digits = "".join(ch for ch in person.phone or "" if ch.isdigit())
    born = person.date_of_birth.isoformat() if person.date_of_birth else None
    return Entry(
        kind=KIND,
        ref_id=person.id,
        patient_id=person.id,
        title=clean(full_name(person)),
        body=joined(
            person.email,
            f"{person.phone} ({phone_digits})" if person.phone else None,
            f"born {born}" if born else None,
            person.address,
        ),
        extra={"email": person.email, "date_of_birth": born, "status": person.status},
        updated_at=person.updated_at or NO_VERSION,
    )


class PatientSource:
    """Patients (never staff accounts); staff read them."""

    kind = KIND
    readers = STAFF_ROLES

    def __init__(self, people: DemographicsReader) -> None:
        self._people = people

    async def entries(self, ids: Sequence[uuid.UUID]) -> list[Entry]:
        """The patients among `ids`."""
        people = await self._people.demographics(ids)
        return [patient_entry(person) for person in people if is_patient(person)]

    async def page(self, after: uuid.UUID | None, limit: int) -> Batch:
        """A batch of patients by account id."""
        people = await self._people.demographics_page(after=after, limit=limit)
        entries = [patient_entry(person) for person in people if is_patient(person)]
        return entries, people[-1].id if len(people) == limit else None

    async def count(self) -> int:
        """Accounts holding the patient role and no staff role, as `page` indexes them."""
        query = PeopleQuery(roles=frozenset({Role.PATIENT}), without_roles=STAFF_ROLES, limit=1)
        _, total = await self._people.search(query)
        return total
