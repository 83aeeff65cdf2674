"""`/fhir/R4/PractitionerRole`, `Schedule` and `Slot`: read and search (anyone signed in)."""

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.security import principal_of
from hduce.plugins.fhir.media import fhir_response
from hduce.plugins.fhir.schedule_service import ScheduleService
from hduce.plugins.fhir.search_response import bundle, query_of


@get("/PractitionerRole")
async def search_roles(
    request: Request, fhir_schedules: NamedDependency[ScheduleService]
) -> Response[bytes]:
    """Roles of active doctors and nurses by practitioner, specialty, role, `_lastUpdated`."""
    return bundle(request, "PractitionerRole", await fhir_schedules.search_roles(query_of(request)))


@get("/PractitionerRole/{role_id:str}")
async def read_role(
    role_id: FromPath[str], fhir_schedules: NamedDependency[ScheduleService]
) -> Response[bytes]:
    """One practitioner's role: specialty, weekly hours, appointment types offered."""
    return fhir_response(await fhir_schedules.role(role_id))


@get("/Schedule")
async def search_schedules(
    request: Request, fhir_schedules: NamedDependency[ScheduleService]
) -> Response[bytes]:
    """Practitioners' schedules by actor, active, service type, `_lastUpdated`."""
    found = await fhir_schedules.search_schedules(query_of(request))
    return bundle(request, "Schedule", found)


@get("/Schedule/{schedule_id:str}")
async def read_schedule(
    schedule_id: FromPath[str], fhir_schedules: NamedDependency[ScheduleService]
) -> Response[bytes]:
    """One practitioner's schedule (its id is the practitioner's)."""
    return fhir_response(await fhir_schedules.schedule(schedule_id))


@get("/Slot")
async def search_slots(
    request: Request, fhir_schedules: NamedDependency[ScheduleService]
) -> Response[bytes]:
    """Free slots of a `schedule` by `start`, `status` and `service-type`; staff see busy too."""
    found = await fhir_schedules.search_slots(principal_of(request), query_of(request))
    return bundle(request, "Slot", found)


@get("/Slot/{slot_id:str}")
async def read_slot(
    request: Request, slot_id: FromPath[str], fhir_schedules: NamedDependency[ScheduleService]
) -> Response[bytes]:
    """One slot while it is free (staff: or busy); book it with `Appointment.slot`."""
    return fhir_response(await fhir_schedules.slot(principal_of(request), slot_id))


SCHEDULE_ROUTES = (
    search_roles,
    read_role,
    search_schedules,
    read_schedule,
    search_slots,
    read_slot,
)
