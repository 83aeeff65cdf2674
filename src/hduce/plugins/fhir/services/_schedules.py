"""`PractitionerRole`, `Schedule` and `Slot` read and search through `SlotBoard`.

A clinic has tens of practitioners, not thousands: roles and schedules are filtered and paged
in memory from one read of the active doctors and nurses, their hours and the types.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from hduce.contracts.appointments import OfferedType, PractitionerHours, SlotBoard, SlotQuery
from hduce.contracts.auth import CLINICAL_ROLES
from hduce.contracts.users import Demographics, DemographicsReader, PeopleQuery
from hduce.core.errors import NotFound
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas import (
    LAST_UPDATED,
    ROLE_SYSTEM,
    TYPE_SYSTEM,
    Filters,
    Found,
    Paging,
    Param,
    Params,
    check_names,
    codes,
    instant_bounds,
    instant_value,
    instants,
    last_updated,
    one_id,
    paging,
    practitioner_role,
    reference_ids,
    schedule,
    single,
    slot,
    slot_key,
    tokens,
    wanted_ids,
)
from hduce.plugins.fhir.services._caller import Caller

SLOT_STATUSES = ("free", "busy")
_LAST_UPDATED = {
    LAST_UPDATED: instants(
        "When the profile, the weekly hours or an appointment type listing the practitioner "
        "last changed, or they were last taken off one"
    )
}
_SERVICE_TYPE = {
    "service-type": Param(
        "token", f"An appointment type offered: {TYPE_SYSTEM}|<type id> or <type id>", ored=True
    )
}
ROLE_PARAMS: Filters = {
    "_id": Param("token", "The practitioner's id", ored=True),
    "practitioner": Param("reference", "The practitioner: Practitioner/<id> or <id>", ored=True),
    "specialty": Param("string", "Part of the specialty"),
    "role": Param("token", f"The role: {', '.join(sorted(CLINICAL_ROLES))}", ored=True),
    **_LAST_UPDATED,
}
SCHEDULE_PARAMS: Filters = {
    "_id": Param("token", "The practitioner's id", ored=True),
    "actor": Param(
        "reference", "Practitioner/<id>, PractitionerRole/<id> or the practitioner's id", ored=True
    ),
    "active": Param("token", "true or false", ored=True),
    **_SERVICE_TYPE,
    **_LAST_UPDATED,
}
SLOT_PARAMS: Filters = {
    "schedule": Param("reference", "The schedule (required): Schedule/<id> or <id>", ored=True),
    "start": instants("When it starts (without both bounds: 7 days)"),
    "status": Param("token", f"The status: {', '.join(SLOT_STATUSES)}", ored=True),
    **_SERVICE_TYPE,
}
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

    def listing(self, practitioner_id: uuid.UUID) -> list[OfferedType]:
        """The types that list the practitioner, active or not, by name."""
        return [t for t in self.types if practitioner_id in t.practitioner_ids]

    def offered(self, practitioner_id: uuid.UUID) -> list[OfferedType]:
        """The active types the practitioner offers, by name."""
        return [t for t in self.listing(practitioner_id) if t.active]

    def left(self, practitioner: uuid.UUID) -> list[datetime]:
        """When the practitioner was taken off each type that no longer lists them."""
        return [t.departures[practitioner] for t in self.types if practitioner in t.departures]

    def role(self, person: Demographics) -> dict[str, Any]:
        """The person's `PractitionerRole`."""
        ident, hours = person.id, self.hours.get(person.id)
        return practitioner_role(person, hours, self.listing(ident), self.left(ident))

    def schedule(self, person: Demographics) -> dict[str, Any]:
        """The person's `Schedule` (they have hours)."""
        ident, hours = person.id, self.hours[person.id]
        return schedule(person, hours, self.listing(ident), self.left(ident))


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
        prefixes = {"_id": (), "practitioner": ("Practitioner",)}
        clinic = await self._clinic(wanted_ids(params, ROLE_PARAMS, prefixes, "/"))
        specialty = (single(params, "specialty") or "").casefold()
        roles = codes(params, ROLE_PARAMS, "role", CLINICAL_ROLES, ROLE_SYSTEM)
        updated = last_updated(params)
        found = [
            resource
            for person in clinic.people
            if specialty in (person.specialty or "").casefold()
            and (roles is None or not roles.isdisjoint(person.roles))
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
        prefixes = {"_id": (), "actor": ACTORS}
        clinic = await self._clinic(wanted_ids(params, SCHEDULE_PARAMS, prefixes, "/"))
        active = codes(params, SCHEDULE_PARAMS, "active", ("true", "false"))
        services = _type_ids(params, SCHEDULE_PARAMS)
        updated = last_updated(params)
        found = [
            resource
            for person in clinic.people
            if person.id in clinic.hours
            and (services is None or any(t.id in services for t in clinic.offered(person.id)))
            and _within((resource := clinic.schedule(person)), updated)
            and (active is None or str(resource["active"]).lower() in active)
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
        if not await self._practitioners(frozenset({key.practitioner_id})):
            raise NotFound("no such Slot (its practitioner no longer practises here)")
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
        practitioner_ids = reference_ids(params, SLOT_PARAMS, "schedule", "Schedule")
        if practitioner_ids is None:
            raise BadSearch("schedule: required (Schedule/<practitioner id>)")
        statuses = codes(params, SLOT_PARAMS, "status", SLOT_STATUSES) or SLOT_STATUSES
        bounds = instant_bounds("start", params.get("start", []))
        start, end = _window(bounds)
        if bounds == (None, None):  # "from now" moves with the clock: the links pin this window
            pinned = (("start", f"ge{instant_value(start)}"), ("start", f"lt{instant_value(end)}"))
            page = msgspec.structs.replace(page, pinned=pinned)
        services = _type_ids(params, SLOT_PARAMS)
        types = [
            t
            for t in await self._board.types()
            if t.active and (services is None or t.id in services)
        ]
        active = {p.id for p in await self._practitioners(frozenset(practitioner_ids))}
        found = []
        for practitioner_id in (p for p in dict.fromkeys(practitioner_ids) if p in active):
            for offered in (t for t in types if practitioner_id in t.practitioner_ids):
                query = SlotQuery(
                    practitioner_id=practitioner_id, type_id=offered.id, start=start, end=end
                )
                times = await self._board.slots(caller.principal, query)
                found += [
                    (time.starts_at, offered.name, slot(time, offered))
                    for time in times
                    if ("free" if time.free else "busy") in statuses
                ]
        return _page([resource for *_, resource in sorted(found, key=lambda f: f[:2])], page)

    async def _clinic(self, ids: frozenset[uuid.UUID] | None) -> Clinic:
        if ids is not None and not ids:
            return Clinic([], {}, [])
        people = await self._practitioners(ids)
        hours = await self._board.hours([person.id for person in people]) if people else []
        types = await self._board.types()
        return Clinic(people, {h.practitioner_id: h for h in hours}, types)

    async def _practitioners(self, ids: frozenset[uuid.UUID] | None) -> list[Demographics]:
        """The active doctors and nurses among `ids` (None: all); no one else offers slots."""
        query = PeopleQuery(
            roles=CLINICAL_ROLES, active_only=True, ids=ids, limit=MAX_PRACTITIONERS
        )
        people, _ = await self._people.search(query)
        return people


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


def _type_ids(params: Params, filters: Filters) -> frozenset[uuid.UUID] | None:
    """The appointment types the `service-type` tokens name (ORed), or None when not given."""
    given = tokens(params, filters, "service-type", TYPE_SYSTEM)
    for code in given or ():
        if not one_id(code):
            raise BadSearch(f"service-type: {code!r} is not an HDuce appointment type id")
    return None if given is None else frozenset(uuid.UUID(code) for code in given)
