"""`PractitionerRole`, `Schedule` and `Slot` read and search through `SlotBoard`.

A clinic has tens of practitioners, not thousands: roles and schedules are filtered and paged
in memory from one read of the active doctors and nurses, their hours and the types.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hduce.contracts.appointments import OfferedType, PractitionerHours, SlotBoard, SlotQuery
from hduce.contracts.auth import CLINICAL_ROLES
from hduce.contracts.users import Demographics, DemographicsReader, PeopleQuery
from hduce.core.errors import NotFound
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas import (
    LAST_UPDATED,
    ROLE_SYSTEM,
    TYPE_SYSTEM,
    Found,
    Paging,
    Params,
    check_names,
    instant_bounds,
    last_updated,
    one_id,
    paging,
    practitioner_role,
    reference_id,
    schedule,
    single,
    slot,
    slot_key,
    wanted_ids,
)
from hduce.plugins.fhir.services._caller import Caller

ROLE_PARAMS = frozenset({"_id", "practitioner", "specialty", "role", LAST_UPDATED})
SCHEDULE_PARAMS = frozenset({"_id", "actor", "active", "service-type", LAST_UPDATED})
SLOT_PARAMS = frozenset({"schedule", "start", "status", "service-type"})
SLOT_STATUSES = ("free", "busy")
DEFAULT_SPAN = timedelta(days=7)
"""How far a slot search without an upper `start` looks."""
MAX_PRACTITIONERS = 5000
ACTORS = ("Practitioner", "PractitionerRole")

Bounds = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Clinic:
    """Active doctors and nurses, the hours they set and the active types each offers."""

    people: list[Demographics]
    hours: dict[uuid.UUID, PractitionerHours]
    types: list[OfferedType]

    def offered(self, practitioner_id: uuid.UUID) -> list[OfferedType]:
        """The active types the practitioner offers, by name."""
        return [t for t in self.types if t.active and practitioner_id in t.practitioner_ids]

    def role(self, person: Demographics) -> dict[str, Any]:
        """The person's `PractitionerRole`."""
        hours = self.hours.get(person.id)
        return practitioner_role(person, hours, self.offered(person.id))

    def schedule(self, person: Demographics) -> dict[str, Any]:
        """The person's `Schedule` (they have hours)."""
        return schedule(person, self.hours[person.id], self.offered(person.id))


class ScheduleService:
    """Roles and schedules for anyone signed in; slots as the REST slot search shows them."""

    def __init__(self, board: SlotBoard, people: DemographicsReader) -> None:
        self._board = board
        self._people = people

    async def role(self, caller: Caller, role_id: str) -> dict[str, Any]:
        """One practitioner's role: specialty, weekly hours, appointment types offered."""
        clinic = await self._clinic(one_id(role_id))
        if not clinic.people:
            raise NotFound("no such PractitionerRole")
        return clinic.role(clinic.people[0])

    async def search_roles(self, caller: Caller, params: Params) -> Found:
        """Roles of active doctors and nurses by practitioner, specialty, role, `_lastUpdated`.

        The parameters: `_id`, `practitioner`, `specialty` (contains), `role`, `_lastUpdated`.
        """
        check_names(params, ROLE_PARAMS)
        page = paging(params)
        wanted = wanted_ids(params, {"_id": (), "practitioner": ("Practitioner",)}, "/")
        clinic = await self._clinic(wanted)
        specialty = (single(params, "specialty") or "").casefold()
        role = _token(single(params, "role"), ROLE_SYSTEM, "role")
        if role is not None and role not in CLINICAL_ROLES:
            raise BadSearch(f"role: one of {', '.join(sorted(CLINICAL_ROLES))}")
        updated = last_updated(params)
        found = [
            resource
            for person in clinic.people
            if specialty in (person.specialty or "").casefold()
            and (role is None or role in person.roles)
            and _within((resource := clinic.role(person)), updated)
        ]
        return _page(found, page)

    async def schedule(self, caller: Caller, schedule_id: str) -> dict[str, Any]:
        """One practitioner's schedule (its id is the practitioner's).

        404 unless that practitioner has set hours.
        """
        clinic = await self._clinic(one_id(schedule_id))
        people = [p for p in clinic.people if p.id in clinic.hours]
        if not people:
            raise NotFound("no such Schedule")
        return clinic.schedule(people[0])

    async def search_schedules(self, caller: Caller, params: Params) -> Found:
        """Practitioners' schedules by actor, active, service type, `_lastUpdated`.

        The parameters: `_id`, `actor`, `active`, `service-type`, `_lastUpdated`.
        """
        check_names(params, SCHEDULE_PARAMS)
        page = paging(params)
        clinic = await self._clinic(wanted_ids(params, {"_id": (), "actor": ACTORS}, "/"))
        active = single(params, "active")
        if active not in (None, "true", "false"):
            raise BadSearch("active: true or false")
        service = _type_id(single(params, "service-type"))
        updated = last_updated(params)
        found = [
            resource
            for person in clinic.people
            if person.id in clinic.hours
            and (service is None or service in {t.id for t in clinic.offered(person.id)})
            and _within((resource := clinic.schedule(person)), updated)
            and (active is None or str(resource["active"]).lower() == active)
        ]
        return _page(found, page)

    async def slot(self, caller: Caller, slot_id: str) -> dict[str, Any]:
        """One slot while it is free (staff: or busy); book it with `Appointment.slot`.

        404 once it is taken, past or no longer offered.
        """
        key = slot_key(slot_id)
        types = await self._board.types() if key else []
        offered = [t for t in types if key and t.id == key.type_id and t.active]
        if key is None or not offered or key.practitioner_id not in offered[0].practitioner_ids:
            raise NotFound("no such Slot")
        end = key.starts_at + timedelta(seconds=1)
        query = SlotQuery(
            practitioner_id=key.practitioner_id, type_id=key.type_id, start=key.starts_at, end=end
        )
        times = await self._board.slots(caller.principal, query)
        for time in times:
            if time.starts_at == key.starts_at:
                return slot(time, offered[0])
        raise NotFound("no such Slot (taken, past or no longer offered)")

    async def search_slots(self, caller: Caller, params: Params) -> Found:
        """Free slots of a `schedule` by `start`, `status` and `service-type`; staff see busy too.

        Ordered by start (then type name), one page.
        """
        check_names(params, SLOT_PARAMS)
        page = paging(params)
        practitioner_id = reference_id(params, "schedule", "Schedule")
        if practitioner_id is None:
            raise BadSearch("schedule: required (Schedule/<practitioner id>)")
        status = single(params, "status")
        if status not in (None, *SLOT_STATUSES):
            raise BadSearch(f"status: one of {', '.join(SLOT_STATUSES)}")
        start, end = _window(instant_bounds("start", params.get("start", [])))
        service = _type_id(single(params, "service-type"))
        types = [
            t
            for t in await self._board.types()
            if t.active and practitioner_id in t.practitioner_ids and service in (None, t.id)
        ]
        found = []
        for offered in types:
            query = SlotQuery(
                practitioner_id=practitioner_id, type_id=offered.id, start=start, end=end
            )
            times = await self._board.slots(caller.principal, query)
            found += [
                (time.starts_at, offered.name, slot(time, offered))
                for time in times
                if status is None or (status == "free") == time.free
            ]
        return _page([resource for *_, resource in sorted(found, key=lambda f: f[:2])], page)

    async def _clinic(self, ids: frozenset[uuid.UUID] | None) -> Clinic:
        if ids is not None and not ids:
            return Clinic([], {}, [])
        query = PeopleQuery(
            roles=CLINICAL_ROLES, active_only=True, ids=ids, limit=MAX_PRACTITIONERS
        )
        people, _ = await self._people.search(query)
        hours = await self._board.hours([person.id for person in people]) if people else []
        types = await self._board.types()
        return Clinic(people, {h.practitioner_id: h for h in hours}, types)


def _page(found: Sequence[dict[str, Any]], page: Paging) -> Found:
    return list(found[page.offset : page.offset + page.count]), len(found), page


def _within(resource: dict[str, Any], bounds: Bounds) -> bool:
    """Whether the resource's `meta.lastUpdated` lies in `[from, before)` (none: only unbounded)."""
    low, high = bounds
    if low is None and high is None:
        return True
    text = resource.get("meta", {}).get("lastUpdated")
    if text is None:
        return False
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (low is None or low <= moment) and (high is None or moment < high)


def _window(bounds: Bounds) -> tuple[datetime, datetime]:
    """The `[start, end)` a slot search covers: as asked, else `DEFAULT_SPAN` from now."""
    low, high = bounds
    try:
        if low is None:
            low = high - DEFAULT_SPAN if high else datetime.now(UTC)
        return low, high or low + DEFAULT_SPAN
    except OverflowError:
        span = f"the {DEFAULT_SPAN.days} days a search without both bounds covers"
        raise BadSearch(f"start: out of range ({span} run past the calendar)") from None


def _token(text: str | None, system: str, name: str) -> str | None:
    """The code of `code` or `system|code`; 400 for another system."""
    if text is None:
        return None
    given, _, code = text.rpartition("|")
    if given not in {"", system}:
        raise BadSearch(f"{name}: codes of the system {system}")
    return code


def _type_id(text: str | None) -> uuid.UUID | None:
    """The appointment type a `service-type` token names."""
    code = _token(text, TYPE_SYSTEM, "service-type")
    if code is None:
        return None
    try:
        return uuid.UUID(code)
    except ValueError:
        raise BadSearch(f"service-type: {code!r} is not an HDuce appointment type id") from None
