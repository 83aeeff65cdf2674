"""`PractitionerRole`, `Schedule` and `Slot` resources from the appointments plugin's contract."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hduce.contracts.appointments import OfferedType, PractitionerHours, SlotTime
from hduce.contracts.auth import CLINICAL_ROLES, AccountStatus
from hduce.contracts.users import Demographics
from hduce.plugins.fhir.schemas._appointments import TYPE_SYSTEM
from hduce.plugins.fhir.schemas._slot_ids import SlotKey, slot_id
from hduce.plugins.fhir.schemas._versions import meta

ROLE_SYSTEM = "urn:hduce:role"
"""The system of a practitioner's clinical role (`doctor`, `nurse`)."""
TYPE_EXTENSION = "urn:hduce:fhir:appointment-type"
"""The extension naming an appointment type a practitioner offers (a `valueCoding`)."""
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def practitioner_role(
    person: Demographics,
    hours: PractitionerHours | None,
    listing: Sequence[OfferedType],
    left: Sequence[datetime] = (),
) -> dict[str, Any]:
    """A `PractitionerRole`: role, specialty, weekly hours and the appointment types offered.

    `listing`: the types that list the practitioner; the active ones are offered. `left`: when
    they were taken off the types that no longer list them. The latest change of the profile,
    the hours, one of those types or a departure is its `meta.lastUpdated`.
    """
    ident = str(person.id)
    types = [t for t in listing if t.active]
    resource: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": ident,
        "active": person.status == AccountStatus.ACTIVE,
        "practitioner": {"reference": f"Practitioner/{ident}", "display": _name(person)},
        "code": [
            {"coding": [{"system": ROLE_SYSTEM, "code": role}], "text": role}
            for role in sorted(person.roles & CLINICAL_ROLES)
        ],
    }
    changes = _changes(person, hours, listing, left)
    if changes:
        resource["meta"] = _meta(max(changes))
    if types:
        resource["extension"] = [{"url": TYPE_EXTENSION, "valueCoding": _coding(t)} for t in types]
    if person.specialty:
        resource["specialty"] = [{"text": person.specialty}]
    if hours and hours.weekly:
        resource["availableTime"] = [
            {
                "daysOfWeek": [DAYS[window.weekday]],
                "availableStartTime": window.start.isoformat("seconds"),
                "availableEndTime": window.end.isoformat("seconds"),
            }
            for window in hours.weekly
        ]
        resource["availabilityExceptions"] = f"Hours in {hours.timezone} local time"
    return resource


def schedule(
    person: Demographics,
    hours: PractitionerHours,
    listing: Sequence[OfferedType],
    left: Sequence[datetime] = (),
) -> dict[str, Any]:
    """A `Schedule` of a practitioner's role: the types offered, active while it has hours.

    `listing`, `left` and `meta.lastUpdated` as for `practitioner_role`.
    """
    ident = str(person.id)
    types = [t for t in listing if t.active]
    resource: dict[str, Any] = {
        "resourceType": "Schedule",
        "id": ident,
        "meta": _meta(max(_changes(person, hours, listing, left))),
        "active": bool(hours.weekly) and person.status == AccountStatus.ACTIVE,
        "actor": [
            {"reference": f"PractitionerRole/{ident}"},
            {"reference": f"Practitioner/{ident}", "display": _name(person)},
        ],
        "comment": f"Weekly hours in {hours.timezone}: {_weekly(hours)}",
    }
    if types:
        resource["serviceType"] = [{"coding": [_coding(t)]} for t in types]
    return resource


def slot(time: SlotTime, offered: OfferedType) -> dict[str, Any]:
    """A free or busy `Slot`; its id books it (`Appointment.slot`)."""
    key = SlotKey(time.practitioner_id, time.type_id, time.starts_at)
    return {
        "resourceType": "Slot",
        "id": slot_id(key),
        "schedule": {"reference": f"Schedule/{time.practitioner_id}"},
        "status": "free" if time.free else "busy",
        "start": _instant(time.starts_at),
        "end": _instant(time.ends_at),
        "serviceType": [{"coding": [_coding(offered)]}],
    }


def _changes(
    person: Demographics,
    hours: PractitionerHours | None,
    listing: Sequence[OfferedType],
    left: Sequence[datetime],
) -> list[datetime]:
    """When the profile, the hours, each type listing the practitioner and each departure were."""
    own = (person.updated_at, hours and hours.updated_at)
    return [t for t in own if t] + [t.updated_at for t in listing] + list(left)


def _meta(changed: datetime) -> dict[str, str]:
    return meta(changed, _instant(changed))


def _coding(offered: OfferedType) -> dict[str, str]:
    return {"system": TYPE_SYSTEM, "code": str(offered.id), "display": offered.name}


def _name(person: Demographics) -> str:
    return f"{person.first_name} {person.last_name}".strip()


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _weekly(hours: PractitionerHours) -> str:
    if not hours.weekly:
        return "none"
    return ", ".join(
        f"{DAYS[w.weekday].title()} {w.start:%H:%M}-{w.end:%H:%M}" for w in hours.weekly
    )
