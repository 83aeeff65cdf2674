"""What a PUT of an `Appointment` may change (its status), and the 400 for anything else.

FHIR's update replaces the resource: an element the server would not change as written must
be refused, not silently kept as it was ("what you write is what you read back").
"""

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from hduce.contracts.appointments import AppointmentStatus, AppointmentView
from hduce.plugins.fhir.errors import BadResource
from hduce.plugins.fhir.schemas._appointments import KEPT, appointment

if TYPE_CHECKING:
    from fhir.resources.R4B.appointment import Appointment


def check_id(resource: "Appointment", appointment_id: str) -> None:
    """400 unless the body's `id` is the one in the URL (FHIR's update requires it)."""
    if resource.id != appointment_id:
        raise BadResource(
            f"Appointment.id is required and must be the id in the URL ({appointment_id})"
        )


def check_unchanged(
    body: dict[str, Any],
    resource: "Appointment",
    current: AppointmentView,
    status: AppointmentStatus | None,
) -> None:
    """400 naming each element that differs from `current` besides what `status` changes.

    Only the status changes through a PUT (with the patient participant's, to confirm, and
    the cancellation reason, to cancel); `end` and `created` may be left out.
    """
    stored = type(resource).model_validate(appointment(current))
    compared = dict(_COMPARED)
    compared["participant"] = partial(_participants, with_status=status is None)
    if status == AppointmentStatus.CANCELLED:
        del compared["cancelationReason"]
    differing = sorted(set(body) - KEPT) + [
        name
        for name, read in compared.items()
        if (name in body or name not in _OPTIONAL) and read(resource) != read(stored)
    ]
    if differing:
        raise BadResource(
            f"{', '.join(f'Appointment.{name}' for name in differing)}: differ from the "
            "appointment as stored, and a PUT changes its status only (and the patient "
            "participant's, to confirm); send the other elements as read. To move it, "
            f"POST /api/v1/appointments/{current.id}/reschedule, or cancel it and book again."
        )


def _codings(resource: "Appointment") -> set[tuple[str | None, str | None]]:
    return {
        (coding.system, coding.code)
        for concept in resource.serviceType or []
        for coding in concept.coding or []
    }


def _participants(resource: "Appointment", with_status: bool) -> list[tuple[str, str | None]]:
    """`(actor reference, status if with_status)` of each participant, sorted."""
    return sorted(
        ((p.actor.reference if p.actor else None) or "", p.status if with_status else None)
        for p in resource.participant or []
    )


_COMPARED: dict[str, Callable[["Appointment"], Any]] = {
    "start": lambda r: r.start,
    "end": lambda r: r.end,
    "created": lambda r: r.created,
    "description": lambda r: r.description or None,
    "serviceType": _codings,
    "cancelationReason": lambda r: r.cancelationReason.text if r.cancelationReason else None,
}
"""How each element kept is read for comparing (instants as instants, whatever the offset)."""
_OPTIONAL = frozenset({"end", "created"})
"""Elements the server derives: a body may leave them out."""
