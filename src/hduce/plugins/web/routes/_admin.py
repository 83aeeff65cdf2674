"""Administration: accounts waiting for approval (or any status), approve and deactivate."""

import uuid

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
        "admin_users.html",
        title="Users",
        accounts=accounts,
        total=total,
        status=status,
        statuses=list(AccountStatus),
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


HANDLERS = (users, approve, deactivate)
