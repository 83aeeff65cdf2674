"""Administration of accounts: approve, change roles, force a password reset, (de)activate."""

import uuid
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.auth import AccountStatus, Role
from hduce.plugins.web.routes._render import go, render, viewer
from hduce.plugins.web.services import WebServices

SHOWN = 100


@get("/admin/users")
async def users(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Accounts by status (pending approval first), with the text filter `q`."""
    viewer(request, Role.ADMIN)
    status = request.query_params.get("status", AccountStatus.PENDING_APPROVAL)
    if status not in set(AccountStatus):
        status = AccountStatus.PENDING_APPROVAL
    text = request.query_params.get("q", "").strip()[:100] or None
    accounts, total = await web.accounts.search_accounts(
        text=text, role=None, status=status, limit=SHOWN, offset=0
    )
    return render(
        request,
        web,
        "admin/users.html",
        title="Users",
        accounts=accounts,
        total=total,
        status=status,
        statuses=list(AccountStatus),
        roles=list(Role),
        q=text or "",
    )


@post("/admin/users/{account_id:uuid}/approve")
async def approve(
    request: Request, account_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Activate a pending staff account."""
    admin = viewer(request, Role.ADMIN)
    await web.accounts.approve(account_id, by=admin.id)
    return go(request, "/admin/users")


@post("/admin/users/{account_id:uuid}/deactivate")
async def deactivate(
    request: Request, account_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Block the account's logins and end its sessions."""
    admin = viewer(request, Role.ADMIN)
    await web.accounts.deactivate(account_id, by=admin.id)
    return go(request, "/admin/users?status=active")


@post("/admin/users/{account_id:uuid}/reactivate")
async def reactivate(
    request: Request, account_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Allow a deactivated account to sign in again."""
    admin = viewer(request, Role.ADMIN)
    await web.accounts.reactivate(account_id, by=admin.id)
    return go(request, "/admin/users?status=active")


@post("/admin/users/{account_id:uuid}/roles")
async def set_roles(
    request: Request, account_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Replace the account's roles with the ones ticked (the API refuses an empty set)."""
    admin = viewer(request, Role.ADMIN)
    ticked = (await request.form()).getall("roles", [])
    entry = await web.accounts.set_roles(account_id, frozenset(map(str, ticked)), by=admin.id)
    return go(request, "/admin/users?" + urlencode({"status": entry.status, "q": entry.username}))


@post("/admin/users/{account_id:uuid}/password-reset")
async def force_reset(
    request: Request, account_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """End the account's sessions and send it a password-reset e-mail."""
    admin = viewer(request, Role.ADMIN)
    await web.accounts.force_password_reset(account_id, by=admin.id)
    return go(request, "/admin/users?status=active&reset=1")


HANDLERS = (users, approve, deactivate, reactivate, set_roles, force_reset)
