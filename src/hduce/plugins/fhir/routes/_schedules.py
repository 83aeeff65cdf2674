"""`/fhir/R4/PractitionerRole`, `Schedule` and `Slot`: read and search (anyone signed in)."""

from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.services import enabled

SCHEDULE_ROUTES = (
    search_route(
        "PractitionerRole",
        "search_roles",
        "Roles of active doctors and nurses by practitioner, specialty, role, `_lastUpdated`.",
        lambda call: enabled(call.fhir.schedules).search_roles(call.query),
    ),
    read_route(
        "/PractitionerRole/{role_id:str}",
        "read_role",
        "One practitioner's role: specialty, weekly hours, appointment types offered.",
        lambda call, role_id: enabled(call.fhir.schedules).role(role_id),
    ),
    search_route(
        "Schedule",
        "search_schedules",
        "Practitioners' schedules by actor, active, service type, `_lastUpdated`.",
        lambda call: enabled(call.fhir.schedules).search_schedules(call.query),
    ),
    read_route(
        "/Schedule/{schedule_id:str}",
        "read_schedule",
        "One practitioner's schedule (its id is the practitioner's).",
        lambda call, schedule_id: enabled(call.fhir.schedules).schedule(schedule_id),
    ),
    search_route(
        "Slot",
        "search_slots",
        "Free slots of a `schedule` by `start`, `status` and `service-type`; staff see busy too.",
        lambda call: enabled(call.fhir.schedules).search_slots(call.principal, call.query),
    ),
    read_route(
        "/Slot/{slot_id:str}",
        "read_slot",
        "One slot while it is free (staff: or busy); book it with `Appointment.slot`.",
        lambda call, slot_id: enabled(call.fhir.schedules).slot(call.principal, slot_id),
    ),
)
