"""Errors on `/fhir/R4` as `OperationOutcome` resources instead of problem+json."""

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.types import ExceptionHandlersMap

from hduce.core.error_answers import exception_handlers, problem_for
from hduce.plugins.fhir.routes._general import FHIR_JSON
from hduce.plugins.fhir.routes._responses import FHIR_BASE

# FHIR's issue-type codes for the statuses HDuce answers with.
_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    415: "not-supported",
    409: "conflict",
    412: "conflict",
    422: "invalid",
    429: "throttled",
}


def operation_outcome(diagnostics: str, status: int) -> dict[str, Any]:
    """An `OperationOutcome` with one issue: an error, or information for a success (2xx)."""
    if status < 300:
        severity, code = "information", "informational"
    else:
        severity = "error"
        code = _ISSUE_CODES.get(status, "processing" if status < 500 else "exception")
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def _as_outcome(handler: Any) -> Any:
    """Wrap one problem+json handler: same status and headers, an `OperationOutcome` body."""

    def handle(request: Request, exc: Exception) -> Response[bytes]:
        problem = handler(request, exc)
        body = msgspec.json.decode(problem.content)
        status = problem.status_code
        # Litestar's own 422 is a bad search parameter here: FHIR says 400.
        status = 400 if status == 422 else status
        text = body.get("detail") or body.get("title") or "error"
        return Response(
            msgspec.json.encode(operation_outcome(text, status)),
            status_code=status,
            media_type=FHIR_JSON,
            headers=dict(problem.headers),
        )

    return handle


def outcome_handlers() -> ExceptionHandlersMap:
    """The core's exception handlers, each answering an `OperationOutcome`."""
    return {exc: _as_outcome(handler) for exc, handler in exception_handlers().items()}


def unrouted_handlers(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """No route for the address or method: an `OperationOutcome` under `/fhir/R4`.

    Litestar refuses these while routing, before any router's handlers apply, so they are the
    app's; elsewhere they answer as `handlers` (the app's so far) do.
    """
    as_outcome = _as_outcome(problem_for)

    def unrouted(kind: type[Exception]) -> Any:
        elsewhere = handlers.get(kind, problem_for)

        def handle(request: Request, exc: Exception) -> Response[Any]:
            path = request.url.path
            if path == FHIR_BASE or path.startswith(f"{FHIR_BASE}/"):
                return as_outcome(request, exc)
            return elsewhere(request, exc)

        return handle

    return {kind: unrouted(kind) for kind in (NotFoundException, MethodNotAllowedException)}
