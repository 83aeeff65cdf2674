"""Patients, from the users plugin's `DemographicsReader`; staff accounts are never indexed.

Deactivated patients stay searchable for staff: their records and appointments remain part of
the clinic's files, and deactivation only stops logins.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hduce.contracts.auth import (
    STAFF_ROLES,
    Role,
    UserApproved,
    UserProfileUpdated,
    UserRegistered,
    UserRolesChanged,
    UserStatusChanged,
)
from hduce.contracts.users import Demographics, DemographicsReader
from hduce.core.events import EventBus, EventMeta
from hduce.core.registry import Registry
from hduce.plugins.search.entries import Entry, clean, joined
from hduce.plugins.search.sources.base import Batch

if TYPE_CHECKING:
    from hduce.plugins.search.indexer import Indexer

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
    """Indexes patients on registration, approval and profile changes."""

    kind = KIND
    readers = STAFF_ROLES

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def entries(self, ids: Sequence[uuid.UUID]) -> list[Entry]:
        """The patients among `ids`."""
        people = await self._registry.get(DemographicsReader).demographics(ids)
        return [patient_entry(person) for person in people if is_patient(person)]

    async def page(self, after: uuid.UUID | None, limit: int) -> Batch:
        """A batch of patients by account id."""
        reader = self._registry.get(DemographicsReader)
        people = await reader.demographics_page(after=after, limit=limit)
        entries = [patient_entry(person) for person in people if is_patient(person)]
        return entries, people[-1].id if len(people) == limit else None

    def subscribe(self, events: EventBus, indexer: "Indexer") -> None:
        """Registration, approval, role, status and profile changes re-read the person."""

        async def changed(
            event: UserRegistered | UserApproved | UserRolesChanged | UserStatusChanged,
            _meta: EventMeta,
        ) -> None:
            await indexer.refresh(KIND, [event.user_id])

        async def updated(event: UserProfileUpdated, _meta: EventMeta) -> None:
            await indexer.refresh(KIND, [event.user_id])
            await indexer.refresh_mentions(event.user_id)

        events.subscribe(UserRegistered, changed, task_name="search.index_registered_user")
        events.subscribe(UserApproved, changed, task_name="search.index_approved_user")
        events.subscribe(UserRolesChanged, changed, task_name="search.index_user_roles")
        events.subscribe(UserStatusChanged, changed, task_name="search.index_user_status")
        events.subscribe(UserProfileUpdated, updated, task_name="search.index_profile")
