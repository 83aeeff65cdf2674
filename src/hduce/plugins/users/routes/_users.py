"""HTTP routes: `/users/me` for everyone, `/users` for admins and clinic staff."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from hduce.contracts.auth import AccountStatus, Role
from hduce.core.http import PageOffset, client_ip, problems
from hduce.core.schemas import Page
from hduce.core.security import Principal, requires_roles
from hduce.plugins.users.schemas import PersonalDataExport, ProfileUpdate, RolesUpdate, UserRead
from hduce.plugins.users.services import UsersServices
from hduce.plugins.users.services._admin import UserAdminService

ADMIN_ONLY = [requires_roles(Role.ADMIN)]
AccountStep = Callable[[UserAdminService, Principal, uuid.UUID], Awaitable[UserRead]]


def _account_step(path: str, step: AccountStep, summary: str) -> HTTPRouteHandler:
    """The admin route `POST /users/{id}/<path>`: `step` on the account, which it answers."""

    async def handler(
        self: Controller,
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        users: NamedDependency[UsersServices],
    ) -> UserRead:
        return await step(users.admin, principal, user_id)

    handler.__name__ = f"{path}_user"
    handler.__qualname__ = f"UserController.{handler.__name__}"  # its place in the docs
    handler.__doc__ = summary
    return post(
        f"/{{user_id:uuid}}/{path}",
        guards=ADMIN_ONLY,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )(handler)


class MeController(Controller):
    """The caller's own account and profile."""

    path = "/users/me"
    tags = ["users"]

    @get(responses=problems(404))
    async def get_me(
        self, principal: NamedDependency[Principal], users: NamedDependency[UsersServices]
    ) -> UserRead:
        """The caller's account and profile."""
        return await users.profiles.me(principal)

    @put(responses=problems(403, 404, 422))
    async def update_me(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[ProfileUpdate],
        users: NamedDependency[UsersServices],
    ) -> UserRead:
        """Change the caller's profile; roles, status and e-mail are not profile fields."""
        return await users.profiles.update_me(principal, data)

    @get("/export", responses=problems(404))
    async def export_me(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        users: NamedDependency[UsersServices],
    ) -> Response[PersonalDataExport]:
        """A copy of everything the clinic stores about the caller, as one JSON file.

        Account, profile, appointments, documents, messages, devices and readings, and who
        accessed their records; clinicians' notes are not part of it.
        """
        export = await users.exporter.export(principal, principal.id, ip=client_ip(request))
        return _as_file(export)


class UserController(Controller):
    """User lookup for clinic staff and account management for admins."""

    path = "/users"
    tags = ["users"]

    @get(guards=ADMIN_ONLY, responses=problems(403, 422))
    async def list_users(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        users: NamedDependency[UsersServices],
        q: FromQuery[str | None] = None,
        role: FromQuery[Role | None] = None,
        status: FromQuery[AccountStatus | None] = None,
        limit: Annotated[int | None, QueryParameter(ge=1)] = None,
        offset: PageOffset = 0,
    ) -> Page[UserRead]:
        """Search users by e-mail, username or name, filtered by role and status (admins)."""
        return await users.admin.list_users(
            principal,
            text=q,
            role=role,
            status=status,
            limit=limit,
            offset=offset,
            ip=client_ip(request),
        )

    @get("/{user_id:uuid}", responses=problems(404))
    async def get_user(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        users: NamedDependency[UsersServices],
    ) -> UserRead:
        """One user: any for admins, patients for clinic staff, oneself for others (else 404)."""
        return await users.profiles.read_user(principal, user_id, ip=client_ip(request))

    @get("/{user_id:uuid}/export", guards=ADMIN_ONLY, responses=problems(403, 404))
    async def export_user(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        users: NamedDependency[UsersServices],
    ) -> Response[PersonalDataExport]:
        """The same copy for one user, for a request made at the desk (admins; audited)."""
        export = await users.exporter.export(principal, user_id, ip=client_ip(request))
        return _as_file(export)

    approve_user = _account_step(
        "approve", UserAdminService.approve, "Approve a pending staff account (admins)."
    )

    @put("/{user_id:uuid}/roles", guards=ADMIN_ONLY, responses=problems(403, 404, 409, 422))
    async def set_user_roles(
        self,
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[RolesUpdate],
        users: NamedDependency[UsersServices],
    ) -> UserRead:
        """Replace a user's roles; admins cannot drop their own admin role (admins)."""
        return await users.admin.set_roles(principal, user_id, data.roles)

    deactivate_user = _account_step(
        "deactivate",
        UserAdminService.deactivate,
        "Block a user's logins and end their sessions; never one's own account (admins).",
    )
    reactivate_user = _account_step(
        "reactivate", UserAdminService.reactivate, "Let a deactivated user log in again (admins)."
    )

    @post(
        "/{user_id:uuid}/force-password-reset",
        guards=ADMIN_ONLY,
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(403, 404, 409),
    )
    async def force_password_reset(
        self,
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        users: NamedDependency[UsersServices],
    ) -> None:
        """End a user's sessions and require a new password by e-mail; never one's own (admins)."""
        await users.admin.force_password_reset(principal, user_id)


def _as_file(export: PersonalDataExport) -> Response[PersonalDataExport]:
    """The export as a JSON download that is never cached."""
    filename = f"hduce-data-{export.user_id}.json"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    return Response(export, headers=headers)
