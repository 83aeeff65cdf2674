"""`Appointment` resources from the desk's views, and bookings read from incoming bodies."""

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hduce.contracts.appointments import AppointmentStatus, AppointmentView, BookingRequest
from hduce.plugins.fhir.errors import BadResource
from hduce.plugins.fhir.schemas._slot_ids import SlotKey, slot_key
from hduce.plugins.fhir.schemas._versions import meta

if TYPE_CHECKING:
    from fhir.resources.R4B.appointment import Appointment

TYPE_SYSTEM = "urn:hduce:appointment-type"
"""The system of the coding that names an HDuce appointment type (its id) in `serviceType`."""

Status = AppointmentStatus
# HDuce's lifecycle onto FHIR's Appointment.status.
TO_FHIR = {
    Status.HELD: "pending",
    Status.BOOKED: "booked",
    Status.CONFIRMED: "booked",
    Status.CHECKED_IN: "checked-in",
    Status.IN_PROGRESS: "arrived",
    Status.COMPLETED: "fulfilled",
    Status.CANCELLED: "cancelled",
    Status.NO_SHOW: "noshow",
}
FROM_FHIR: dict[str, frozenset[AppointmentStatus]] = {}
for _ours, _theirs in TO_FHIR.items():
    FROM_FHIR[_theirs] = FROM_FHIR.get(_theirs, frozenset()) | {_ours}
SETTABLE = {
    TO_FHIR[ours]: ours
    for ours in (
        Status.CHECKED_IN,
        Status.IN_PROGRESS,
        Status.COMPLETED,
        Status.NO_SHOW,
        Status.CANCELLED,
    )
}
"""The statuses an update may set, each read back as written (`arrived` starts the visit)."""
KEPT = frozenset(
    {
        "resourceType",
        "id",
        "meta",
        "status",
        "cancelationReason",
        "serviceType",
        "start",
        "end",
        "created",
        "participant",
        "description",
    }
)
"""The elements of an `Appointment` HDuce keeps; `meta` is the server's and is not compared."""
BOOKED = (KEPT - {"created", "cancelationReason"}) | {"slot", "minutesDuration"}
"""The elements a booking may give: what it keeps, and a slot and a length that must agree."""
AWAITING_PATIENT = frozenset({Status.HELD, Status.BOOKED})
"""Statuses whose patient participant is `needs-action`: the patient has not confirmed yet."""
NOT_TAKING_PART = frozenset({Status.CANCELLED, Status.NO_SHOW})
"""Statuses whose patient participant is `declined`: they take no part in the visit."""


def appointment(view: AppointmentView, type_changed: datetime | None = None) -> dict[str, Any]:
    """An `Appointment`: status, type, start and end, patient and practitioner, the reason.

    Its type's name shows in it: its `meta` is the later of its own change and `type_changed`,
    when its type last changed (None: its own only, for comparing bodies).
    """
    changed = max(view.updated_at, type_changed or view.updated_at)
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(view.id),
        "meta": meta(changed),
        "status": TO_FHIR[view.status],
        "serviceType": [
            {
                "coding": [
                    {"system": TYPE_SYSTEM, "code": str(view.type_id), "display": view.type_name}
                ]
            }
        ],
        "start": view.starts_at.isoformat(),
        "end": view.ends_at.isoformat(),
        "created": view.created_at.isoformat(),
        "participant": [
            _participant("Patient", view.patient_id, _patient_status(view.status)),
            _participant("Practitioner", view.practitioner_id, "accepted"),
        ],
    }
    if view.reason:
        resource["description"] = view.reason
    if view.cancellation_reason:
        resource["cancelationReason"] = {"text": view.cancellation_reason}
    return resource


def validated(body: Any, *, booker: uuid.UUID | None = None) -> "Appointment":
    """The body as an R4 `Appointment`; 400 with each issue when it is not one.

    Each value has its FHIR JSON type (`wrong_types`): the model alone reads them loosely.

    `booker` (a patient, booking for themselves) is the patient participant of a body that
    books a slot and names no participant, which R4 would refuse.
    """
    # The R4B models and pydantic (about 30 MB) load with the first FHIR write, not at start.
    import pydantic
    from fhir.resources.R4B.appointment import Appointment

    from hduce.plugins.fhir.schemas._json_types import wrong_types

    if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
        raise BadResource("the body must be a JSON Appointment resource")
    if booker is not None and body.get("slot") and not body.get("participant"):
        body = {**body, "participant": [_participant("Patient", booker, "accepted")]}
    mistyped = wrong_types(Appointment, body, "Appointment")
    if mistyped:
        raise BadResource(f"invalid Appointment: {'; '.join(mistyped)}")
    try:
        return Appointment.model_validate(body)
    except pydantic.ValidationError as exc:
        issues = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'Appointment'}: {error['msg']}"
            for error in exc.errors()
        )
        raise BadResource(f"invalid Appointment: {issues}") from None


def booking(body: dict[str, Any], resource: "Appointment", base_url: str) -> BookingRequest:
    """Patient, practitioner, type (a `urn:hduce:appointment-type` coding), start and reason.

    An `Appointment.slot` (one `Slot/<id>` from a slot search) gives the practitioner, type and
    start; whichever of them the body also states must agree with it. Participants are read
    as `_actors` reads them (`base_url`: this server's `/fhir/R4`). As on update, an element
    the booking would not keep (outside `BOOKED`, a `declined` participant) is a 400 naming
    it; `check_length` compares `end` and `minutesDuration` once the type is known.
    """
    if resource.status not in {"booked", "proposed", "pending"}:
        raise BadResource("a new Appointment has status booked (or proposed/pending)")
    refs = _actors(resource, base_url)
    _check_kept(body, resource)
    codes = [
        _uuid(coding.code, "serviceType code")
        for concept in resource.serviceType or []
        for coding in concept.coding or []
        if coding.system == TYPE_SYSTEM
    ]
    start, key = resource.start, _slot(resource)
    if key is not None:
        _agrees("participant Practitioner", refs["Practitioner"], key.practitioner_id)
        _agrees(f"serviceType ({TYPE_SYSTEM})", codes, key.type_id)
        _agrees("start", [start] if start else [], key.starts_at)
        refs["Practitioner"], codes, start = [key.practitioner_id], [key.type_id], key.starts_at
    if start is None:
        raise BadResource("Appointment.start is required (or a slot)")
    if len(refs["Practitioner"]) != 1 or len(refs["Patient"]) > 1:
        raise BadResource("name one Practitioner (and at most one Patient) in participant.actor")
    if len(codes) != 1:
        raise BadResource(f"serviceType needs one coding of system {TYPE_SYSTEM} (the type id)")
    return BookingRequest(
        patient_id=refs["Patient"][0] if refs["Patient"] else None,
        practitioner_id=refs["Practitioner"][0],
        type_id=codes[0],
        starts_at=start,
        reason=resource.description,
    )


def check_length(resource: "Appointment", starts_at: datetime, minutes: int) -> None:
    """400 naming `end` or `minutesDuration` when given other than a visit of `minutes`."""
    end = starts_at + timedelta(minutes=minutes)
    if resource.end is not None and resource.end != end:
        raise BadResource(
            f"Appointment.end: {resource.end.isoformat()} is not the end of the visit booked"
            f" ({end.isoformat()}: this appointment type lasts {minutes} minutes)"
        )
    if resource.minutesDuration is not None and resource.minutesDuration != minutes:
        raise BadResource(
            f"Appointment.minutesDuration: {resource.minutesDuration} is not the visit's length"
            f" (this appointment type lasts {minutes} minutes)"
        )


def requested_status(resource: "Appointment", current: AppointmentView) -> AppointmentStatus | None:
    """The status an update asks for, None when it asks for none; 400 for one no one sets.

    FHIR has no `confirmed`: the patient confirms a `booked` appointment by setting their own
    participant status from `needs-action` to `accepted`.
    """
    if resource.status == "booked" and current.status == Status.BOOKED:
        patient = f"Patient/{current.patient_id}"
        accepts = [
            p.status for p in resource.participant or [] if p.actor and p.actor.reference == patient
        ]
        return Status.CONFIRMED if accepts == ["accepted"] else None
    if resource.status == TO_FHIR[current.status]:
        return None
    if resource.status not in SETTABLE:
        raise BadResource(
            f"an Appointment update sets status to {', '.join(sorted(SETTABLE))}, "
            "or the patient participant's status to accepted (to confirm)"
        )
    return SETTABLE[resource.status]


def _actors(resource: "Appointment", base_url: str) -> dict[str, list[uuid.UUID]]:
    """The ids of the `Patient/<id>` and `Practitioner/<id>` participants, by kind.

    A reference to this server's base URL is read as the relative one; any other actor (another
    server's URL, an identifier, a `RelatedPerson`, a contained resource) is 400 naming it: read
    as nobody, it would book the caller instead of whom the body names.
    """
    refs: dict[str, list[uuid.UUID]] = {"Patient": [], "Practitioner": []}
    for index, participant in enumerate(resource.participant or []):
        if participant.actor is None:
            continue  # a role without an actor names nobody
        reference = participant.actor.reference or ""
        kind, _, ident = reference.removeprefix(f"{base_url.rstrip('/')}/").partition("/")
        if kind not in refs:
            given = repr(reference) if reference else "no reference"
            raise BadResource(
                f"Appointment.participant[{index}].actor: only Patient/<id> or Practitioner/<id>"
                f" references are read, not {given}"
            )
        refs[kind].append(_uuid(ident, f"{kind} reference"))
    return refs


def _check_kept(body: dict[str, Any], resource: "Appointment") -> None:
    """400 naming the elements a booking would drop, and a participant who declined."""
    dropped = sorted(set(body) - BOOKED)
    if dropped:
        raise BadResource(
            f"{', '.join(f'Appointment.{name}' for name in dropped)}: not kept by HDuce (a"
            " booking would drop them); leave them out"
        )
    for index, participant in enumerate(resource.participant or []):
        if participant.status == "declined":
            raise BadResource(
                f"Appointment.participant[{index}].status: declined; a booking has each"
                " participant take part"
            )


def _slot(resource: "Appointment") -> SlotKey | None:
    """The key of the one `Slot` the body books, if it names any."""
    references = [ref.reference or "" for ref in resource.slot or []]
    if not references:
        return None
    kind, _, ident = references[0].partition("/")
    key = slot_key(ident) if kind == "Slot" and len(references) == 1 else None
    if key is None:
        raise BadResource("slot: one Slot/<id> reference from a Slot search")
    return key


def _agrees(what: str, given: list[Any], expected: Any) -> None:
    if any(value != expected for value in given):
        raise BadResource(f"{what} differs from the slot's")


def _patient_status(status: AppointmentStatus) -> str:
    """`needs-action` until the patient confirms, then `accepted`; `declined` once they are out.

    A cancelled visit is one they take no part in, whoever cancelled it (HDuce keeps no record
    of an earlier confirmation to show instead); nor do they in a no-show. R4's participant
    statuses have no "did not attend" (`accepted`, `declined`, `tentative`, `needs-action`):
    `declined` is the one that does not say they took part, `noshow` on the `Appointment`
    saying why.
    """
    if status in AWAITING_PATIENT:
        return "needs-action"
    return "declined" if status in NOT_TAKING_PART else "accepted"


def _participant(kind: str, ident: uuid.UUID, status: str) -> dict[str, Any]:
    return {"actor": {"reference": f"{kind}/{ident}", "type": kind}, "status": status}


def _uuid(text: str | None, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text or "")
    except ValueError:
        raise BadResource(f"{what}: {text!r} is not an HDuce id") from None
