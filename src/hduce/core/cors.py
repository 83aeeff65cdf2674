"""Cross-origin access: the headers a browser app may send and read, and refused preflights.

Litestar answers a preflight it refuses with a text/plain 400 ("Disallowed CORS Origin"); here,
outside its CORS middleware, such a preflight is a problem+json 403 saying what was refused.
"""

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.constants import DEFAULT_ALLOWED_CORS_HEADERS
from litestar.datastructures import Headers
from litestar.types import ASGIApp, Receive, Scope, Send

from hduce.core.config import ServerSettings
from hduce.core.errors import problem_response

ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "Prefer", "X-Request-ID"]
"""Request headers an app may send: the token, a body's type, FHIR's `If-Match` and `Prefer`."""
EXPOSED_HEADERS = [
    "Content-Disposition",
    "ETag",
    "Location",
    "RateLimit-Limit",
    "RateLimit-Policy",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
    "WWW-Authenticate",
    "X-Request-ID",
]
"""Answer headers an app may read: a download's name, FHIR's version, a 401's challenge, limits."""


def cors_config(server: ServerSettings) -> CORSConfig | None:
    """Cross-origin access for the configured origins only; none when the list is empty."""
    if not server.cors_allowed_origins:
        return None
    return CORSConfig(
        allow_origins=list(server.cors_allowed_origins),
        allow_credentials=server.cors_allow_credentials,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
    )


def install_refused_preflights(app: Litestar) -> None:
    """Answer a refused preflight as a problem, outside Litestar's CORS middleware."""
    if app.cors_config is not None:
        app.asgi_handler = RefusedPreflights(app.asgi_handler, app.cors_config)


class RefusedPreflights:
    """A preflight from an origin not on the list, or asking for another method or header."""

    def __init__(self, app: ASGIApp, config: CORSConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, unless it is a preflight this configuration refuses."""
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers.from_scope(scope)
            if (origin := headers.get("origin")) and (why := self.refusal(origin, headers)):
                request = scope["litestar_app"].request_class(scope, receive, send)
                answer = problem_response(request, 403, "cors-refused", why)
                await answer.to_asgi_response(app=None, request=request)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, origin: str, headers: Headers) -> str | None:
        """Why the preflight from `origin` is refused, or None."""
        config = self.config
        if not config.is_origin_allowed(origin):
            return (
                f"cross-origin requests from {origin} are not allowed (server.cors_allowed_origins)"
            )
        method = headers.get("access-control-request-method")
        if method and not config.is_allow_all_methods and method not in config.allow_methods:
            return f"cross-origin {method} requests are not allowed"
        allowed = {name.lower() for name in (*config.allow_headers, *DEFAULT_ALLOWED_CORS_HEADERS)}
        asked = headers.get("access-control-request-headers", "").split(",")
        refused = [name.strip() for name in asked if name.strip().lower() not in allowed | {""}]
        if refused and not config.is_allow_all_headers:
            return (
                f"cross-origin requests may not send {', '.join(refused)}"
                f" (they may send {', '.join(ALLOWED_HEADERS)})"
            )
        return None
