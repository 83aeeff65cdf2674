"""HTTP routes: `/users/me` for everyone, `/users` for admins and clinic staff."""

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from hduce.contracts.auth import AccountStatus, Role
from hduce.core.http import PageOffset, client_ip, problems
from hduce.core.security import principal_of, requires_roles
from hduce.plugins.users.admin import UserAdminService
from hduce.plugins.users.export import DataExporter, PersonalDataExport
from hduce.plugins.users.schemas import ProfileUpdate, RolesUpdate, UserPage, UserRead
from hduce.plugins.users.service import UsersService

ADMIN_ONLY = [requires_roles(Role.ADMIN)]


class MeController(Controller):
    """The caller's own account and profile."""

    path = "/users/me"
    tags = ["users"]

    @get(responses=problems(404))
    async def get_me(
        self, request: Request, users_service: NamedDependency[UsersService]
    ) -> UserRead:
        """The caller's account and profile."""
        return await users_service.me(principal_of(request))

    @put(responses=problems(403, 404, 422))
    async def update_me(
        self,
        request: Request,
        data: JSONBody[ProfileUpdate],
        users_service: NamedDependency[UsersService],
    ) -> UserRead:
        """Change the caller's profile; roles, status and e-mail are not profile fields."""
        return await users_service.update_me(principal_of(request), data)

    @get("/export", responses=problems(404))
    async def export_me(
        self, request: Request, users_exporter: NamedDependency[DataExporter]
    ) -> Response[PersonalDataExport]:
        """A copy of everything the clinic stores about the caller, as one JSON file.

        Account, profile, appointments, documents, messages, devices and readings, and who
        accessed their records; clinicians' notes are not part of it.
        """
        principal = principal_of(request)
        return _as_file(await users_exporter.export(principal, principal.id, ip=client_ip(request)))


class UserController(Controller):
    """User lookup for clinic staff and account management for admins."""

    path = "/users"
    tags = ["users"]

    @get(guards=ADMIN_ONLY, responses=problems(403, 422))
    async def list_users(
        self,
        request: Request,
        users_admin: NamedDependency[UserAdminService],
        q: FromQuery[str | None] = None,
        role: FromQuery[Role | None] = None,
        status: FromQuery[AccountStatus | None] = None,
        limit: Annotated[int | None, QueryParameter(ge=1)] = None,
        offset: PageOffset = 0,
    ) -> UserPage:
        """Search users by e-mail, username or name, filtered by role and status (admins)."""
        return await users_admin.list_users(
            principal_of(request),
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
        user_id: FromPath[uuid.UUID],
        users_service: NamedDependency[UsersService],
    ) -> UserRead:
        """One user: any for admins, patients for clinic staff, oneself for others (else 404)."""
        return await users_service.read_user(principal_of(request), user_id, ip=client_ip(request))

    @get("/{user_id:uuid}/export", guards=ADMIN_ONLY, responses=problems(403, 404))
    async def export_user(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        users_exporter: NamedDependency[DataExporter],
    ) -> Response[PersonalDataExport]:
        """The same copy for one user, for a request made at the desk (admins; audited)."""
        export = await users_exporter.export(principal_of(request), user_id, ip=client_ip(request))
        return _as_file(export)

    @post(
        "/{user_id:uuid}/approve",
        guards=ADMIN_ONLY,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def approve_user(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        users_admin: NamedDependency[UserAdminService],
    ) -> UserRead:
        """Approve a pending staff account (admins)."""
        return await users_admin.approve(principal_of(request), user_id)

    @put("/{user_id:uuid}/roles", guards=ADMIN_ONLY, responses=problems(403, 404, 409, 422))
    async def set_user_roles(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[RolesUpdate],
        users_admin: NamedDependency[UserAdminService],
    ) -> UserRead:
        """Replace a user's roles; admins cannot drop their own admin role (admins)."""
        return await users_admin.set_roles(principal_of(request), user_id, data.roles)

    @post(
        "/{user_id:uuid}/deactivate",
        guards=ADMIN_ONLY,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def deactivate_user(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        users_admin: NamedDependency[UserAdminService],
    ) -> UserRead:
        """Block a user's logins and end their sessions; never one's own account (admins)."""
        return await users_admin.deactivate(principal_of(request), user_id)

    @post(
        "/{user_id:uuid}/reactivate",
        guards=ADMIN_ONLY,
        status_code=HTTP_200_OK,
        responses=problems(403, 404, 409),
    )
    async def reactivate_user(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        users_admin: NamedDependency[UserAdminService],
    ) -> UserRead:
        """Let a deactivated user log in again (admins)."""
        return await users_admin.reactivate(principal_of(request), user_id)

    @post(
        "/{user_id:uuid}/force-password-reset",
        guards=ADMIN_ONLY,
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(403, 404, 409),
    )
    async def force_password_reset(
        self,
        request: Request,
        user_id: FromPath[uuid.UUID],
        users_admin: NamedDependency[UserAdminService],
    ) -> None:
        """End a user's sessions and require a new password by e-mail; never one's own (admins)."""
        await users_admin.force_password_reset(principal_of(request), user_id)


def _as_file(export: PersonalDataExport) -> Response[PersonalDataExport]:
    """The export as a JSON download that is never cached."""
    filename = f"hduce-data-{export.user_id}.json"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    return Response(export, headers=headers)
