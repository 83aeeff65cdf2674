"""`/fhir/R4/PractitionerRole`, `Schedule` and `Slot`: read and search (anyone signed in)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.security import Principal
from hduce.plugins.fhir.routes._responses import bundle, fhir_response, query_of
from hduce.plugins.fhir.services import FhirServices, enabled


@get("/PractitionerRole")
async def search_roles(request: Request, fhir: NamedDependency[FhirServices]) -> Response[bytes]:
    """Roles of active doctors and nurses by practitioner, specialty, role, `_lastUpdated`."""
    found = await enabled(fhir.schedules).search_roles(query_of(request))
    return bundle(request, "PractitionerRole", found)


@get("/PractitionerRole/{role_id:str}")
async def read_role(role_id: FromPath[str], fhir: NamedDependency[FhirServices]) -> Response[bytes]:
    """One practitioner's role: specialty, weekly hours, appointment types offered."""
    return fhir_response(await enabled(fhir.schedules).role(role_id))


@get("/Schedule")
async def search_schedules(
    request: Request, fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Practitioners' schedules by actor, active, service type, `_lastUpdated`."""
    found = await enabled(fhir.schedules).search_schedules(query_of(request))
    return bundle(request, "Schedule", found)


@get("/Schedule/{schedule_id:str}")
async def read_schedule(
    schedule_id: FromPath[str], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """One practitioner's schedule (its id is the practitioner's)."""
    return fhir_response(await enabled(fhir.schedules).schedule(schedule_id))


@get("/Slot")
async def search_slots(
    request: Request, principal: NamedDependency[Principal], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Free slots of a `schedule` by `start`, `status` and `service-type`; staff see busy too."""
    found = await enabled(fhir.schedules).search_slots(principal, query_of(request))
    return bundle(request, "Slot", found)


@get("/Slot/{slot_id:str}")
async def read_slot(
    slot_id: FromPath[str],
    principal: NamedDependency[Principal],
    fhir: NamedDependency[FhirServices],
) -> Response[bytes]:
    """One slot while it is free (staff: or busy); book it with `Appointment.slot`."""
    return fhir_response(await enabled(fhir.schedules).slot(principal, slot_id))


SCHEDULE_ROUTES = (
    search_roles,
    read_role,
    search_schedules,
    read_schedule,
    search_slots,
    read_slot,
)
