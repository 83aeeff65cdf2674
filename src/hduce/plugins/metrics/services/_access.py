"""Who may read `/health/detailed`: admins, holders of the health token, and local clients."""

import hmac
import ipaddress

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from hduce.contracts.auth import Role
from hduce.core.errors import Forbidden
from hduce.core.security import InvalidToken, TokenService

# Set by any proxy: a request carrying one came through a proxy, so it is not local.
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


class HealthAccess:
    """Refuses health details to anyone but admins, the configured token and local probes."""

    def __init__(self, tokens: TokenService, health_token: str) -> None:
        self._tokens = tokens
        self._health_token = health_token.encode()

    def check(self, request: Request) -> None:
        """Return quietly when the caller may read the details; 401 or 403 otherwise."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            self._check_token(token)
        elif not _is_local(request):
            raise NotAuthorizedException(
                "health details and metrics need an admin's access token or the health token"
            )

    def _check_token(self, token: str) -> None:
        if self._health_token and hmac.compare_digest(token.encode(), self._health_token):
            return
        try:
            principal = self._tokens.verify(token)
        except InvalidToken:
            raise NotAuthorizedException("invalid access token or health token") from None
        if not principal.has_any_role(Role.ADMIN):
            raise Forbidden("health details are for admins")


def _is_local(request: Request) -> bool:
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
