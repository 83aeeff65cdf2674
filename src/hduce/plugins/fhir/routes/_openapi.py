"""How `/fhir/R4` appears in the OpenAPI document: FHIR JSON objects, outcomes, search parameters.

The handlers answer `Response[bytes]` and read their query and body by hand, so Litestar would
describe them as JSON strings without parameters: each route states its answers (`responses`)
and, through its operation class, the search parameters of its CapabilityStatement entry and
the body it reads.
"""

from dataclasses import dataclass
from typing import Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType

from hduce.core.openapi_contract import problem_answer
from hduce.plugins.fhir.routes._general import FHIR_JSON
from hduce.plugins.fhir.routes._parameters import FORM
from hduce.plugins.fhir.schemas import Filters, search_parameters


class FhirResource(msgspec.Struct, kw_only=True):
    """A FHIR R4 resource: `resourceType` names it, its other elements are R4's for that type."""

    resourceType: str
    id: str | None = None


class FhirAppointment(msgspec.Struct, kw_only=True):
    """A FHIR R4 `Appointment` (see the README for the elements a booking or update reads)."""

    resourceType: Literal["Appointment"]
    id: str | None = None
    status: str


class FhirBundleLink(msgspec.Struct):
    """A paging link: `self`, `first`, `previous` or `next`."""

    relation: str
    url: str


class FhirBundleEntry(msgspec.Struct, kw_only=True):
    """One match of a search."""

    fullUrl: str
    resource: FhirResource


class FhirBundle(msgspec.Struct, kw_only=True):
    """A searchset `Bundle`: one page of matches (`_summary=count`: the total only)."""

    resourceType: Literal["Bundle"]
    type: Literal["searchset"]
    total: int | None = None
    link: list[FhirBundleLink]
    entry: list[FhirBundleEntry] | None = None


class FhirIssue(msgspec.Struct):
    """What went wrong: `code` is FHIR's issue type, `diagnostics` says it in words."""

    severity: Literal["error"]
    code: str
    diagnostics: str


class FhirOperationOutcome(msgspec.Struct):
    """An error under `/fhir/R4` (instead of problem+json)."""

    resourceType: Literal["OperationOutcome"]
    issue: list[FhirIssue]


_ERRORS = {
    400: "An unknown or malformed search parameter or general parameter, or an invalid body",
    401: "No valid bearer access token",
    403: "The caller's role may not do this",
    404: "No such resource, or not the caller's to see",
    406: "A `_format` or `Accept` naming no JSON format",
    429: "Too many requests from this address: retry after `Retry-After` seconds",
}
_PUBLIC_ERRORS = (406, 429)
_WRITE_ERRORS = {
    409: "The slot is taken, or the status change does not fit the current status",
    412: "An update's `If-Match` names another version than the current one",
    415: "A body in another format than JSON",
}


def fhir_responses(
    success: type[msgspec.Struct],
    status: int = 200,
    *,
    public: bool = False,
    writes: bool = False,
    form: bool = False,
) -> dict[int, ResponseSpec]:
    """The answers of a route: `success` with `status`, and its errors as `OperationOutcome`s.

    `writes`: it reads a resource; `form`: a search's form of parameters.
    """
    if public:
        errors = {code: _ERRORS[code] for code in _PUBLIC_ERRORS}
    else:
        errors = {**_ERRORS, **(_WRITE_ERRORS if writes else {})}
    if form:
        errors[415] = f"A body other than a form ({FORM})"
    answers = {status: _spec(success, (success.__doc__ or "").partition("\n")[0])}
    return {**answers, **{code: _spec(FhirOperationOutcome, text) for code, text in errors.items()}}


@dataclass
class FhirOperation(Operation):
    """A FHIR operation: its 429 names the `Retry-After` header, as the REST API's do."""

    def __post_init__(self) -> None:
        throttled = (self.responses or {}).get("429")
        if isinstance(throttled, OpenAPIResponse):
            throttled.headers = problem_answer(429).headers


def search_operation(filters: Filters, *, form: bool = False) -> type[Operation]:
    """The operation of a search taking `filters` (and its paging) as query parameters.

    `form`: a search by POST, taking them as the fields of its form body instead.
    """
    schemas = {
        name: Schema(
            type=OpenAPIType.INTEGER if param.type == "number" else OpenAPIType.STRING,
            description=f"FHIR search parameter of type {param.type}: {param.documentation}",
        )
        for name, param in sorted(search_parameters(filters).items())
    }
    parameters = [
        Parameter(name=name, param_in="query", required=False, schema=schema)
        for name, schema in schemas.items()
        if not form
    ]
    body = RequestBody(
        content={
            FORM: OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT, properties=schemas))
        },
        description="The search parameters (more may be in the URL: both apply)",
        required=False,
    )

    @dataclass
    class SearchOperation(FhirOperation):
        def __post_init__(self) -> None:
            super().__post_init__()
            self.parameters = [*(self.parameters or []), *parameters]
            if form:
                self.request_body = body

    return SearchOperation


@dataclass
class AppointmentWrite(FhirOperation):
    """A create or update: its body is an `Appointment` in FHIR JSON."""

    def __post_init__(self) -> None:
        super().__post_init__()
        schema = Reference(ref=f"#/components/schemas/{FhirAppointment.__name__}")
        self.request_body = RequestBody(
            content={FHIR_JSON: OpenAPIMediaType(schema=schema)},
            description="An R4 `Appointment` resource",
            required=True,
        )


def _spec(container: type[msgspec.Struct], description: str) -> ResponseSpec:
    return ResponseSpec(
        container, description=description, media_type=FHIR_JSON, generate_examples=False
    )
