"""OPTIONS answers: `Allow` names every method the path serves, whoever asks (405s too).

Litestar makes one OPTIONS handler per path, with the first handlers registered for it, and keeps
it when handlers from another controller or router join the path: its `Allow` listed only the
first ones' methods (`/api/v1/appointments/types`: `OPTIONS, POST`, without GET), and it ran the
guards of the first handler's controller (`/api/v1/analytics` answered OPTIONS with a 401, as
OPTIONS carries no token). Each such handler is given the whole path's answer here, once the
app has every route, and no guards.
"""

from collections.abc import Callable, Iterable

from litestar import Litestar, Response
from litestar.enums import MediaType
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import Scope

LITESTARS_OPTIONS = "HTTPRoute.create_options_handler.<locals>.options_handler"
"""The OPTIONS handler Litestar adds to a path (a handler of a plugin's own is kept)."""


def answer_options_fully(app: Litestar) -> None:
    """Make the OPTIONS answer of each of `app`'s paths allow every method the path serves."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        handler, _ = route.route_handler_map["OPTIONS"]
        if handler.fn.__qualname__ != LITESTARS_OPTIONS:
            continue
        # Litestar offers no other way to give an existing handler another answer or no guards.
        handler._fn = _answer(", ".join(allowed_methods(route.methods)))
        handler._resolved_guards = []


def allowed_methods(served: Iterable[str]) -> list[str]:
    """The methods a path allows: those it serves, HEAD wherever GET is (`core.request_path`)."""
    methods = set(served) | {"OPTIONS"}
    return sorted(methods | {"HEAD"} if "GET" in methods else methods)


def allow_header(litestars: str) -> str:
    """A 405's `Allow` as the path's OPTIONS answer says it, from Litestar's (it names no HEAD)."""
    return ", ".join(allowed_methods(name.strip() for name in litestars.split(",") if name.strip()))


def _answer(allow: str) -> Callable[[Scope], Response[None]]:
    def options_handler(scope: Scope) -> Response[None]:  # Litestar passes the `scope` it names
        return Response(
            content=None,
            status_code=HTTP_204_NO_CONTENT,
            headers={"Allow": allow},
            media_type=MediaType.TEXT,
        )

    return options_handler
