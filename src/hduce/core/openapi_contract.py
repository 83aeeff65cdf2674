"""One set of rules that makes the OpenAPI document trustworthy for client generators.

Applied to every operation once the document is built: readable operation ids, `security: []`
on public operations, the problem+json answers the API really gives (401 with
`WWW-Authenticate`, 422, 429 with `Retry-After`, 400 for a request body that does not parse,
and 404 for a path id that does not) through the one `Problem` schema with real examples,
plain 201/204 texts, and request bodies as they are read (`openapi_bodies`).
"""

from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Example,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    Reference,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute
from litestar.types import Method
from litestar.types.internal_types import PathParameterDefinition

from hduce.core.errors import PROBLEM_JSON, PROBLEM_TYPE_BASE, status_phrase
from hduce.core.openapi_bodies import describe_bodies
from hduce.core.openapi_generics import name_generic_components
from hduce.core.security import EXCLUDE_OPT_KEY

PROBLEM_REF = Reference(ref="#/components/schemas/Problem")
SUCCESS_TEXTS = {"201": "Created", "202": "Accepted: the work continues in the background"}
NO_CONTENT_TEXT = "Done; the answer has no body"
# Litestar documents request validation as its own 400 body; the API answers 422 problem+json.
LITESTAR_VALIDATION_400 = "Bad request syntax or unsupported method"
API_PREFIX = "/api/"
BAD_EMAIL = "not a usable e-mail address: the domain starts or ends with a dot"

_DETAILS = {
    400: ("bad-request", "the JSON body does not parse: JSON is malformed: invalid character"),
    401: ("unauthorized", "a bearer access token is required"),
    403: ("forbidden", "requires one of the roles: admin"),
    404: ("not-found", "no such resource, or it is not yours to see"),
    409: ("conflict", "the resource changed since it was read"),
    413: ("request-entity-too-large", "the body is larger than this route accepts"),
    422: ("validation-error", f"email: {BAD_EMAIL}"),
    429: ("too-many-requests", "Too many requests from this address; retry in 42 seconds."),
}


def problem_example(status: int) -> dict[str, Any]:
    """A realistic problem document for `status`, as the API renders it."""
    slug, detail = _DETAILS.get(status, (status_phrase(status).lower().replace(" ", "-"), None))
    example: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": "Invalid request" if status == 422 else status_phrase(status),
        "status": status,
        "detail": detail,
        "instance": "/api/v1/…",
        "request_id": "5f0c1a7e9b2d4c3a8e6f1b0d2c4a6e8f",
    }
    if status == 422:
        example["errors"] = [{"message": BAD_EMAIL, "key": "email", "source": "body"}]
    if status == 429:
        example["retry_after"] = 42  # seconds, as in `Retry-After`
    return {key: value for key, value in example.items() if value is not None}


def problem_examples(status: int) -> dict[str, Example | Reference]:
    """The named example of one problem response."""
    return {str(status): Example(summary=status_phrase(status), value=problem_example(status))}


RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
    description="Seconds to wait before trying again.",
    required=True,
)
CHALLENGE = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING, examples=["Bearer", 'Bearer error="invalid_token"']),
    description='How to authenticate: `Bearer`, with `error="invalid_token"` when the bearer'
    " token sent was refused (RFC 6750).",
    required=True,
)


def problem_answer(status: int) -> OpenAPIResponse:
    """The documented problem+json response for `status`."""
    headers: dict[str, OpenAPIHeader | Reference] | None = None
    if status == 429:
        headers = {"Retry-After": RETRY_AFTER}
    content = OpenAPIMediaType(schema=PROBLEM_REF, examples=problem_examples(status))
    return OpenAPIResponse(
        description=status_phrase(status), headers=headers, content={PROBLEM_JSON: content}
    )


def operation_id(
    route_handler: HTTPRouteHandler,
    http_method: Method,
    path_components: list[str | PathParameterDefinition],
) -> str:
    """`<tag>_<handler name>`, e.g. `auth_register`: stable and readable in generated clients."""
    tags = route_handler.resolve_tags()
    prefix = tags[0] if tags else "default"
    name = str(route_handler.handler_name)
    return name if name == prefix or name.startswith(prefix + "_") else f"{prefix}_{name}"


def refine_openapi(app: Litestar) -> None:
    """Build the document once and apply the rules to every operation in it."""
    openapi = app.openapi_schema
    public = _public_operations(app)
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation: Operation | None = getattr(item, method)
            if operation is not None:
                _refine(operation, path, (method.upper(), path) in public)
    _refine_problem_schema(openapi)
    describe_bodies(app, openapi)
    name_generic_components(openapi)


def _public_operations(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.opt.get(EXCLUDE_OPT_KEY):
                    found |= {(method, route.path_format) for method in handler.http_methods}
    return found


def _refine(operation: Operation, path: str, public: bool) -> None:
    responses = operation.responses if operation.responses is not None else {}
    litestar_400 = responses.get("400")
    if (
        isinstance(litestar_400, OpenAPIResponse)
        and litestar_400.description == LITESTAR_VALIDATION_400
    ):
        del responses["400"]  # a 400 a route documents itself stays
    problems = not _errors_of_another_kind(responses)
    if problems and (operation.request_body is not None or operation.parameters):
        responses.setdefault("422", problem_answer(422))  # Litestar validates what it reads
    if problems and operation.request_body is not None:
        responses.setdefault("400", problem_answer(400))  # a body that does not parse
    if problems and any(map(_parsed_from_the_path, operation.parameters or ())):
        responses.setdefault("404", problem_answer(404))  # no route matches a malformed id
    if public:
        operation.security = []
    elif problems:
        responses.setdefault("401", problem_answer(401))
    if path.startswith(API_PREFIX):
        responses.setdefault("429", problem_answer(429))
    for code, response in responses.items():
        if not isinstance(response, OpenAPIResponse):
            continue
        if code in SUCCESS_TEXTS:
            response.description = SUCCESS_TEXTS[code]
        elif code == "204":
            response.description = NO_CONTENT_TEXT
        elif code.startswith(("4", "5")) and response.content and PROBLEM_JSON in response.content:
            response.content[PROBLEM_JSON].examples = problem_examples(int(code))
        if code == "401":  # problem+json or FHIR's OperationOutcome: both carry the challenge
            response.headers = {**(response.headers or {}), "WWW-Authenticate": CHALLENGE}
    operation.responses = dict(sorted(responses.items()))


def _parsed_from_the_path(parameter: Parameter | Reference) -> bool:
    """Whether a path parameter is one the router parses (a UUID, a number), not any text."""
    if not isinstance(parameter, Parameter) or parameter.param_in != "path":
        return False
    schema = parameter.schema
    return isinstance(schema, Schema) and (schema.type != OpenAPIType.STRING or bool(schema.format))


def _errors_of_another_kind(responses: dict[str, Any]) -> bool:
    """Whether the operation answers errors in another media type (FHIR's OperationOutcome).

    Such an operation lists its own errors: the problem+json ones are not added to it.
    """
    return any(
        isinstance(answer, OpenAPIResponse)
        and bool(answer.content)
        and PROBLEM_JSON not in (answer.content or {})
        for code, answer in responses.items()
        if code.startswith("4")
    )


def _refine_problem_schema(openapi: OpenAPI) -> None:
    schemas = openapi.components.schemas if openapi.components else None
    problem = (schemas or {}).get("Problem")
    if isinstance(problem, Schema):
        problem.examples = [problem_example(404), problem_example(422)]
        problem.description = "An RFC 9457 problem details document (`application/problem+json`)."
