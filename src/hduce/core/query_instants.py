"""Refuse a date-time query parameter that is not an RFC 3339 date-time within the calendar.

Litestar reads query values laxly: `?end=2026` became 2026 seconds after 1970. And a date-time
that leaves the calendar once in UTC (year 1 at +14:00) reached PostgreSQL or the date
arithmetic, whose refusal named no parameter. Only the route's own parameters are checked.
"""

from datetime import UTC, datetime
from functools import cache
from urllib.parse import parse_qsl

import msgspec
from litestar.handlers import BaseRouteHandler
from litestar.types import Scope

from hduce.core.errors import FieldError, InvalidRequest

FORMS = "an RFC 3339 date-time such as 2026-12-01T09:00:00+01:00 (without an offset: UTC)"


@cache
def instant_query_names(handler: BaseRouteHandler, path_names: frozenset[str]) -> frozenset[str]:
    """The query parameters of `handler` (at a path with `path_names`) typed as date-times."""
    # Litestar reads only the names of the path parameters.
    model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_names))  # type: ignore[arg-type]
    fields = handler.parsed_fn_signature.parameters
    return frozenset(
        p.field_alias
        for p in model.expected_query_params
        if (field := fields.get(p.field_name))
        and (field.is_subclass_of(datetime) or field.has_inner_subclass_of(datetime))
    )


def refuse_malformed_instants(scope: Scope) -> None:
    """422 naming each date-time query parameter that is no date-time or leaves the calendar."""
    query = scope.get("query_string", b"")
    if not query:
        return
    names = instant_query_names(scope["route_handler"], frozenset(scope["path_params"]))
    if not names:
        return
    errors = [
        FieldError(message=why, key=name, source="query")
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        if name in names and value and (why := _refusal(value))
    ]
    if errors:
        detail = "; ".join(f"{error.key}: {error.message}" for error in errors)
        raise InvalidRequest(detail, errors=errors)


def _refusal(value: str) -> str | None:
    try:
        moment = msgspec.convert(value, datetime)  # strict: a text date-time, never a number
    except msgspec.ValidationError:
        return f"{value[:40]!r} is not {FORMS}"
    try:
        if moment.tzinfo is not None:
            moment.astimezone(UTC)
    except OverflowError:
        return f"{value[:40]!r} is out of range once in UTC (years 1 to 9999)"
    return None
