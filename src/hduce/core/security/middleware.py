"""Bearer-token authentication for every route not marked `exclude_from_auth`."""

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
    DefineMiddleware,
)
from litestar.types import ASGIApp, Scope

from hduce.core.security.tokens import InvalidToken, TokenService

EXCLUDE_OPT_KEY = "exclude_from_auth"


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Reads `Authorization: Bearer <jwt>` and puts the `Principal` in `request.user`."""

    def __init__(self, app: ASGIApp, tokens: TokenService, **kwargs: object) -> None:
        super().__init__(app, **kwargs)  # type: ignore[arg-type]
        self._tokens = tokens

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        """Verify the bearer token; 401 when it is missing or invalid."""
        scheme, _, token = _authorization(connection.scope).partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("a bearer access token is required")
        try:
            principal = self._tokens.verify(token)
        except InvalidToken as exc:
            raise NotAuthorizedException(f"invalid access token: {exc}") from None
        return AuthenticationResult(user=principal, auth=token)


def _authorization(scope: Scope) -> str:
    """The first `Authorization` header, read from the scope without building `Headers`."""
    for name, value in scope["headers"]:
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return ""


def bearer_auth(tokens: TokenService) -> DefineMiddleware:
    """The authentication middleware, skipping handlers with `opt={"exclude_from_auth": True}`."""
    return DefineMiddleware(
        BearerAuthMiddleware, tokens=tokens, exclude_from_auth_key=EXCLUDE_OPT_KEY
    )
