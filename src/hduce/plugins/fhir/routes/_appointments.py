"""`/fhir/R4/Appointment`: read, search, create (book) and update (status).

A write answers as `Prefer: return=` asks: the resource (`representation`, the default), no
body (`minimal`) or an `OperationOutcome`; always with its `ETag` (and a create's `Location`).
"""

from typing import Any

import msgspec
from litestar import Request, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.core.json_bodies import unpaired_surrogate
from hduce.core.security import Principal
from hduce.plugins.fhir.errors import BadResource
from hduce.plugins.fhir.routes._general import FHIR_JSON, check_json_body
from hduce.plugins.fhir.routes._interactions import read_route, search_route
from hduce.plugins.fhir.routes._openapi import AppointmentWrite, FhirAppointment, fhir_responses
from hduce.plugins.fhir.routes._outcome import operation_outcome
from hduce.plugins.fhir.routes._parameters import preference
from hduce.plugins.fhir.routes._responses import base_url, fhir_response
from hduce.plugins.fhir.schemas import entity_tag, if_match
from hduce.plugins.fhir.services import (
    APPOINTMENT_PARAMS,
    AppointmentService,
    FhirServices,
    enabled,
)


@post(
    "/Appointment",
    responses=fhir_responses(FhirAppointment, 201, writes=True),
    operation_class=AppointmentWrite,
)
async def create_appointment(
    request: Request, principal: NamedDependency[Principal], fhir: NamedDependency[FhirServices]
) -> Response[bytes]:
    """Book: the same service as `POST /api/v1/appointments` (a taken slot answers 409)."""
    base = base_url(request)
    created = await enabled(fhir.appointments).create(principal, await _body(request), base)
    response = _written(request, created, "created", status_code=201)
    response.headers["Location"] = f"{base}/Appointment/{created['id']}"
    return response


@put(
    "/Appointment/{appointment_id:str}",
    responses=fhir_responses(FhirAppointment, writes=True),
    operation_class=AppointmentWrite,
)
async def update_appointment(
    request: Request,
    appointment_id: FromPath[str],
    principal: NamedDependency[Principal],
    fhir: NamedDependency[FhirServices],
) -> Response[bytes]:
    """Change the status: confirm, check in, start, complete, no-show or cancel (see README).

    With `If-Match: W/"<versionId>"`, only that version is changed (else 412).
    """
    body = await _body(request)
    version = if_match(request.headers.get("if-match"))
    updated = await enabled(fhir.appointments).update(principal, appointment_id, body, version)
    return _written(request, updated, "updated")


def _written(
    request: Request, resource: dict[str, Any], done: str, status_code: int = 200
) -> Response[bytes]:
    """The answer to a write of `resource` (an `Appointment`) as `Prefer: return=` asks."""
    asked = preference(request, "return")
    if asked not in ("minimal", "operationoutcome"):
        return fhir_response(resource, status_code)
    tag = entity_tag(resource)
    headers = {"ETag": tag} if tag else {}
    if asked == "minimal":
        return Response(b"", status_code=status_code, headers=headers, media_type=FHIR_JSON)
    said = f"{resource['resourceType']}/{resource['id']} {done} (its ETag says the version)"
    response = fhir_response(operation_outcome(said, status_code), status_code)
    response.headers.update(headers)
    return response


async def _body(request: Request) -> Any:
    check_json_body(request)
    body = await request.body()
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        why = unpaired_surrogate(body) or exc  # msgspec calls half a surrogate pair "truncated"
        raise BadResource(f"the body is not JSON: {why}") from None


APPOINTMENT_ROUTES = (
    *search_route(
        "Appointment", APPOINTMENT_PARAMS, "search_appointments", AppointmentService.search
    ),
    read_route("/Appointment/{appointment_id:str}", "read_appointment", AppointmentService.read),
    create_appointment,
    update_appointment,
)
