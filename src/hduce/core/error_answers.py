"""The problem+json answer for every exception: domain errors, Litestar's, PostgreSQL's, bugs."""

import logging
import re

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, ValidationException
from litestar.types import ExceptionHandlersMap

from hduce.core.db import DatabaseUnavailable
from hduce.core.errors import Conflict, HduceError, InvalidRequest, problem_response, status_phrase
from hduce.core.logging import loggable_path
from hduce.core.options_answers import allow_header
from hduce.core.refusals import described, invalid_inputs, refusal_detail

RETRY_AFTER_SECONDS = 5

logger = logging.getLogger("hduce.errors")


def _handle_hduce_error(request: Request, exc: HduceError) -> Response[bytes]:
    return problem_response(
        request, exc.status_code, exc.slug, exc.detail, title=exc.title, extra=exc.extra
    )


MISSING_BODY = {"key": "data", "source": "body", "message": "'data'"}
"""Litestar's error for a handler's `data` when the request has no body (a `KeyError`'s repr)."""


def _handle_validation(request: Request, exc: ValidationException) -> Response[bytes]:
    errors = invalid_inputs(exc)
    if errors and MISSING_BODY in errors:
        return problem_response(request, 400, "bad-request", "a JSON request body is required")
    detail = "; ".join(map(described, errors)) if errors else exc.detail
    return problem_response(
        request,
        InvalidRequest.status_code,
        InvalidRequest.slug,
        detail,
        title=InvalidRequest.title,
        extra={"errors": errors} if errors else None,
    )


def _handle_http(request: Request, exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if isinstance(exc, MethodNotAllowedException) and exc.headers:  # its detail repeats `Allow`
        exc.headers["allow"] = allow_header(exc.headers.get("allow", ""))
    if status >= 500:  # Litestar's own failure (e.g. a dependency of the wrong type): a bug
        path = loggable_path(request.scope)
        logger.error("server error on %s %s", request.method, path, exc_info=exc)
    phrase = status_phrase(status)
    slug = phrase.lower().replace(" ", "-")
    detail = refusal_detail(request, exc) or (exc.detail if exc.detail != phrase else None)
    extra = exc.extra if isinstance(exc.extra, dict) else None  # e.g. a 429's `retry_after`
    return problem_response(request, status, slug, detail, headers=exc.headers, extra=extra)


def _handle_undecodable(request: Request, exc: UnicodeError | LookupError) -> Response[bytes]:
    """A form field that does not decode is the client's 400; any other such error is a bug."""
    detail = refusal_detail(request, exc)
    if detail is None:
        return _handle_unexpected(request, exc)
    return problem_response(request, 400, "bad-request", detail)


def _handle_data_error(request: Request, exc: asyncpg.DataError) -> Response[bytes]:
    """PostgreSQL refused a value a client sent (SQLSTATE class 22): the client's to fix."""
    path, kind = loggable_path(request.scope), f"{type(exc).__name__} ({exc.sqlstate})"
    # Not the message: PostgreSQL's may quote the value (personal data).
    logger.warning("database refused a value on %s %s: %s", request.method, path, kind)
    if isinstance(exc, asyncpg.CharacterNotInRepertoireError):
        detail = "text may not contain NUL (\\u0000) characters"
    else:
        detail = "a value is out of the range or format this field accepts"
    return problem_response(request, 422, "invalid-value", detail, title="Invalid value")


KEY_COLUMNS = re.compile(r"Key \((.+?)\)=\(")
"""The key's column(s) in PostgreSQL's detail of a broken constraint (its values come after)."""
CONSTRAINT_DETAILS = {
    asyncpg.UniqueViolationError: "a value that must be unique is taken",
    asyncpg.ForeignKeyViolationError: "it refers to a row that is not there, or one still refers"
    " to the row it removes",
}


def _handle_constraint(
    request: Request, exc: asyncpg.IntegrityConstraintViolationError
) -> Response[bytes]:
    """A unique or foreign key a plugin's write broke and did not catch: a 409 naming the key.

    The key's values never reach the answer or the log (they may be personal data).
    """
    found = KEY_COLUMNS.match(exc.detail or "")
    path, constraint = loggable_path(request.scope), exc.constraint_name
    logger.warning("%s on %s %s: %s", type(exc).__name__, request.method, path, constraint)
    detail = f"{CONSTRAINT_DETAILS[type(exc)]} ({found.group(1) if found else constraint})"
    return problem_response(request, 409, Conflict.slug, detail, title=Conflict.title)


def _handle_overflow(request: Request, exc: OverflowError) -> Response[bytes]:
    """Arithmetic pushed a client's value past its type (a day after 9999-12-31): not ours.

    Services refuse such values where they read them; this keeps one they missed a 422.
    """
    logger.warning(
        "a value overflowed on %s %s: %s", request.method, loggable_path(request.scope), exc
    )
    detail = "a date or number is out of the range the server can handle"
    return problem_response(request, 422, "invalid-value", detail, title="Invalid value")


def _handle_recursion(request: Request, exc: RecursionError) -> Response[bytes]:
    """Deeply nested JSON makes msgspec raise RecursionError: a client error, not ours."""
    if "while deserializing" not in str(exc):
        return _handle_unexpected(request, exc)
    detail = "the JSON body is nested too deeply"
    return problem_response(request, 400, "nested-too-deeply", detail, title="Invalid JSON")


def _handle_unavailable(request: Request, exc: Exception) -> Response[bytes]:
    """The database (or another dependency) is down or did not answer in time: retry later."""
    logger.warning(
        "dependency unavailable on %s %s: %r", request.method, loggable_path(request.scope), exc
    )
    return problem_response(
        request,
        503,
        "service-unavailable",
        "A service HDuce depends on is unavailable or did not answer in time; retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _handle_exhausted(
    request: Request, exc: asyncpg.exceptions.InsufficientResourcesError
) -> Response[bytes]:
    """PostgreSQL ran out of disk, memory or connections (SQLSTATE class 53): not the client's."""
    if not isinstance(exc, asyncpg.exceptions.DiskFullError):
        return _handle_unavailable(request, exc)
    # Nothing heals this by itself: an operator has to free space.
    logger.error(
        "the database's disk is full on %s %s: %s",
        request.method,
        loggable_path(request.scope),
        exc,
    )
    detail = (
        "The database has no space left on its disk, so the change was not saved; retry once an "
        "administrator has freed space."
    )
    return problem_response(
        request, 507, "insufficient-storage", detail, title="Insufficient storage"
    )


def _handle_unexpected(request: Request, exc: Exception) -> Response[bytes]:
    logger.exception("unhandled error on %s %s", request.method, loggable_path(request.scope))
    debug = request.app.debug
    detail = f"{type(exc).__name__}: {exc}" if debug else "An unexpected error occurred."
    return problem_response(request, 500, "internal-error", detail)


def problem_for(request: Request, exc: Exception) -> Response[bytes]:
    """The problem+json answer the API gives for `exc` (its most specific handler's)."""
    handlers = exception_handlers()
    handler = next(handlers[kind] for kind in type(exc).__mro__ if kind in handlers)
    return handler(request, exc)


def exception_handlers() -> ExceptionHandlersMap:
    """Map every error class to its problem+json renderer."""
    return {
        HduceError: _handle_hduce_error,
        ValidationException: _handle_validation,
        HTTPException: _handle_http,
        asyncpg.DataError: _handle_data_error,
        asyncpg.UniqueViolationError: _handle_constraint,
        asyncpg.ForeignKeyViolationError: _handle_constraint,
        UnicodeError: _handle_undecodable,
        LookupError: _handle_undecodable,
        RecursionError: _handle_recursion,
        OverflowError: _handle_overflow,
        DatabaseUnavailable: _handle_unavailable,
        asyncpg.PostgresConnectionError: _handle_unavailable,
        asyncpg.exceptions.OperatorInterventionError: _handle_unavailable,
        asyncpg.exceptions.InsufficientResourcesError: _handle_exhausted,
        TimeoutError: _handle_unavailable,
        Exception: _handle_unexpected,
    }
