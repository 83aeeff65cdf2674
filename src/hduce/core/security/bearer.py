"""Bearer-token authentication for every route not marked `exclude_from_auth`."""

from litestar.exceptions import NotAuthorizedException
from litestar.types import Scope

from hduce.core.security.tokens import InvalidToken, TokenService

EXCLUDE_OPT_KEY = "exclude_from_auth"


def needs_token(scope: Scope) -> bool:
    """Whether the routed request must carry a bearer token (not OPTIONS, not excluded)."""
    return scope.get("method") != "OPTIONS" and not scope["route_handler"].opt.get(EXCLUDE_OPT_KEY)


def authenticate(scope: Scope, tokens: TokenService) -> None:
    """Verify `Authorization: Bearer <jwt>` and put the `Principal` in `request.user`; else 401."""
    scheme, _, token = _authorization(scope).partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("a bearer access token is required")
    try:
        scope["user"] = tokens.verify(token)
    except InvalidToken as exc:
        raise NotAuthorizedException(f"invalid access token: {exc}") from None
    scope["auth"] = token


def challenge(scope: Scope) -> str:
    """The `WWW-Authenticate` challenge every 401 carries (RFC 6750 section 3).

    `Bearer`, with `error="invalid_token"` when the request sent a bearer token that a route
    needing one refused (forged, expired, revoked); without a token, or on a route that takes
    none (a login's wrong password), no error code.
    """
    scheme, _, token = _authorization(scope).partition(" ")
    sent = scheme.lower() == "bearer" and bool(token.strip())
    refused = "route_handler" in scope and needs_token(scope) and not scope.get("auth")
    return 'Bearer error="invalid_token"' if sent and refused else "Bearer"


def _authorization(scope: Scope) -> str:
    """The first `Authorization` header, read from the scope without building `Headers`."""
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return ""
