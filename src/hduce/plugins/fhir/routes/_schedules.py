"""`/fhir/R4/PractitionerRole`, `Schedule` and `Slot`: read and search (anyone signed in)."""

from hduce.plugins.fhir.routes._interactions import FhirCall, Found, Resource, read, search
from hduce.plugins.fhir.services import enabled


@search("PractitionerRole")
async def search_roles(call: FhirCall) -> Found:
    """Roles of active doctors and nurses by practitioner, specialty, role, `_lastUpdated`."""
    return await enabled(call.fhir.schedules).search_roles(call.query)


@read("/PractitionerRole/{role_id:str}")
async def read_role(call: FhirCall, role_id: str) -> Resource:
    """One practitioner's role: specialty, weekly hours, appointment types offered."""
    return await enabled(call.fhir.schedules).role(role_id)


@search("Schedule")
async def search_schedules(call: FhirCall) -> Found:
    """Practitioners' schedules by actor, active, service type, `_lastUpdated`."""
    return await enabled(call.fhir.schedules).search_schedules(call.query)


@read("/Schedule/{schedule_id:str}")
async def read_schedule(call: FhirCall, schedule_id: str) -> Resource:
    """One practitioner's schedule (its id is the practitioner's)."""
    return await enabled(call.fhir.schedules).schedule(schedule_id)


@search("Slot")
async def search_slots(call: FhirCall) -> Found:
    """Free slots of a `schedule` by `start`, `status` and `service-type`; staff see busy too."""
    return await enabled(call.fhir.schedules).search_slots(call.principal, call.query)


@read("/Slot/{slot_id:str}")
async def read_slot(call: FhirCall, slot_id: str) -> Resource:
    """One slot while it is free (staff: or busy); book it with `Appointment.slot`."""
    return await enabled(call.fhir.schedules).slot(call.principal, slot_id)


SCHEDULE_ROUTES = (
    search_roles,
    read_role,
    search_schedules,
    read_schedule,
    search_slots,
    read_slot,
)
