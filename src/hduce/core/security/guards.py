"""Role guards and per-row ownership checks shared by every plugin."""

import uuid
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from hduce.core.errors import Forbidden, NotFound
from hduce.core.security.principal import Principal


def principal_of(connection: ASGIConnection) -> Principal:
    """The authenticated caller; 401 if the route was reached without one."""
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("authentication required")
    return user


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The `principal` dependency: handlers declare `principal: Principal` instead of a request."""
    return principal_of(request)


def requires_roles(*roles: str) -> Guard:
    """A guard letting through callers holding at least one of `roles`."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if not principal_of(connection).has_any_role(*roles):
            raise PermissionDeniedException(f"requires one of the roles: {', '.join(roles)}")

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    return guard


def ensure_owner_or_roles(
    principal: Principal, owner_id: uuid.UUID, *roles: str, hide: bool = True
) -> None:
    """Allow the row's owner or holders of `roles`; others get 404 (`hide`) or 403."""
    if principal.id == owner_id or principal.has_any_role(*roles):
        return
    if hide:
        raise NotFound("no such resource")
    raise Forbidden("you may not access this resource")
