"""`/fhir/R4/Appointment`: read, search, create (book) and update (cancel)."""

from typing import Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.security import principal_of
from hduce.plugins.fhir.appointment_service import AppointmentService
from hduce.plugins.fhir.errors import BadResource
from hduce.plugins.fhir.media import fhir_response
from hduce.plugins.fhir.search_response import base_url, bundle, query_of


@get("/Appointment")
async def search_appointments(
    request: Request, fhir_appointments: NamedDependency[AppointmentService]
) -> Response[bytes]:
    """Search by `patient`, `practitioner`, `date` (eq/ge/gt/le/lt) and `status`."""
    found = await fhir_appointments.search(principal_of(request), query_of(request))
    return bundle(request, "Appointment", found)


@get("/Appointment/{appointment_id:str}")
async def read_appointment(
    request: Request,
    appointment_id: FromPath[str],
    fhir_appointments: NamedDependency[AppointmentService],
) -> Response[bytes]:
    """One appointment the caller may see (else 404)."""
    return fhir_response(await fhir_appointments.read(principal_of(request), appointment_id))


@post("/Appointment")
async def create_appointment(
    request: Request, fhir_appointments: NamedDependency[AppointmentService]
) -> Response[bytes]:
    """Book: the same service as `POST /api/v1/appointments` (a taken slot answers 409)."""
    created = await fhir_appointments.create(principal_of(request), await _body(request))
    response = fhir_response(created, status_code=201)
    response.headers["Location"] = f"{base_url(request)}/Appointment/{created['id']}"
    return response


@put("/Appointment/{appointment_id:str}")
async def update_appointment(
    request: Request,
    appointment_id: FromPath[str],
    fhir_appointments: NamedDependency[AppointmentService],
) -> Response[bytes]:
    """Change the status: `cancelled` with `cancelationReason.text` cancels."""
    principal = principal_of(request)
    body = await _body(request)
    return fhir_response(await fhir_appointments.update(principal, appointment_id, body))


async def _body(request: Request) -> Any:
    try:
        return msgspec.json.decode(await request.body())
    except msgspec.DecodeError as exc:
        raise BadResource(f"the body is not JSON: {exc}") from None


APPOINTMENT_ROUTES = (search_appointments, read_appointment, create_appointment, update_appointment)
