"""Refuse a single-valued query parameter given more than once (Litestar keeps the last one).

`?status=sent&status=failed` used to filter by `failed` without a word; a parameter typed as a
list still takes every value. Only the parameters a route declares (with its dependencies') are
checked: others are ignored, as before.
"""

from collections import Counter
from functools import cache
from urllib.parse import parse_qsl

from litestar.handlers import BaseRouteHandler
from litestar.types import Scope

from hduce.core.errors import FieldError, InvalidRequest


@cache
def single_valued_query_names(
    handler: BaseRouteHandler, path_names: frozenset[str]
) -> frozenset[str]:
    """The query parameters of `handler` (at a path with `path_names`) that take one value."""
    # Litestar reads only the names of the path parameters.
    model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_names))  # type: ignore[arg-type]
    return frozenset(p.field_alias for p in model.expected_query_params if not p.is_sequence)


def refuse_repeated_query_values(scope: Scope) -> None:
    """422 naming the single-valued query parameters the request repeats."""
    query = scope.get("query_string", b"")
    if not query:
        return
    counts = Counter(name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    given_twice = [name for name, count in counts.items() if count > 1]
    if not given_twice:  # most requests: the route's parameters need not be looked up
        return
    names = single_valued_query_names(scope["route_handler"], frozenset(scope["path_params"]))
    repeated = sorted(name for name in given_twice if name in names)
    if repeated:
        listed = ", ".join(f"`{name}`" for name in repeated)
        raise InvalidRequest(
            f"{listed} {'is' if len(repeated) == 1 else 'are'} given more than once; "
            "give each of these query parameters once",
            errors=[
                FieldError(message="given more than once", key=name, source="query")
                for name in repeated
            ],
        )
