"""Administration of accounts: approve, change roles, force a password reset, (de)activate."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from hduce.contracts.auth import AccountAdmin, AccountStatus, Role
from hduce.core.errors import HduceError
from hduce.core.http import client_ip
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._render import form_page, go, viewer
from hduce.plugins.web.services import WebServices

SHOWN = 100


@get("/admin/users")
async def users(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Accounts by status (pending approval first), with the text filter `q`."""
    return await _users_page(request, web, request.query_params)


async def _users_page(
    request: Request,
    web: WebServices,
    values: Mapping[str, Any],
    refusal: HduceError | None = None,
    roles_refused: tuple[uuid.UUID, frozenset[str]] | None = None,
) -> Response[str]:
    """The accounts of the `status` and text `q` in `values` (the query or a form's fields).

    `refusal`: why an account change was refused, shown above the list, or in the roles form
    of `roles_refused` (the account and what was ticked) when that account is listed.
    The listing is audited (`users.listed`), as the API's is.
    """
    admin = viewer(request, Role.ADMIN)
    status = str(values.get("status") or AccountStatus.PENDING_APPROVAL)
    if status not in set(AccountStatus):
        status = AccountStatus.PENDING_APPROVAL
    text = str(values.get("q") or "").strip()[:100] or None
    accounts, total = await web.listing.list_accounts(
        admin,
        text=text,
        role=None,
        status=status,
        limit=SHOWN,
        offset=0,
        ip=client_ip(request),
    )
    refused_account, ticked = roles_refused or (None, frozenset[str]())
    if not any(a.id == refused_account for a in accounts):
        refused_account = None  # its form is not listed: the reason shows above the list
    return form_page(
        request,
        web,
        "admin/users.html",
        title="Users",
        refusal=refusal,
        refused_account=refused_account,
        ticked=ticked,
        accounts=accounts,
        total=total,
        status=status,
        statuses=list(AccountStatus),
        roles=list(Role),
        q=text or "",
        reset=request.query_params.get("reset") == "1",
    )


Act = Callable[[AccountAdmin, uuid.UUID, uuid.UUID], Awaitable[object]]
"""An account change: (the accounts contract, the account's id, the admin's id)."""


def _account_step(path: str, act: Act, back: str, summary: str) -> HTTPRouteHandler:
    """`POST /admin/users/{id}/<path>` for admins: `act`, then the browser goes to `back`.

    A refused `act` is the accounts page again (the listing the button was on), with the reason.
    """

    async def handler(
        request: Request, account_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
    ) -> Response[str]:
        admin = viewer(request, Role.ADMIN)
        try:
            await act(web.accounts, account_id, admin.id)
        except HduceError as exc:
            return await _users_page(request, web, await request.form(), exc)
        return go(request, back)

    handler.__name__ = handler.__qualname__ = f"account_{path.replace('-', '_')}"
    handler.__doc__ = summary
    return post(f"/admin/users/{{account_id:uuid}}/{path}")(handler)


async def _approve(accounts: AccountAdmin, account_id: uuid.UUID, by: uuid.UUID) -> None:
    await accounts.approve(account_id, by=by)


async def _deactivate(accounts: AccountAdmin, account_id: uuid.UUID, by: uuid.UUID) -> None:
    await accounts.deactivate(account_id, by=by)


async def _reactivate(accounts: AccountAdmin, account_id: uuid.UUID, by: uuid.UUID) -> None:
    await accounts.reactivate(account_id, by=by)


async def _force_reset(accounts: AccountAdmin, account_id: uuid.UUID, by: uuid.UUID) -> None:
    await accounts.force_password_reset(account_id, by=by)


ACTIVE = "/admin/users?status=active"
approve = _account_step("approve", _approve, "/admin/users", "Activate a pending staff account.")
deactivate = _account_step(
    "deactivate", _deactivate, ACTIVE, "Block the account's logins and end its sessions."
)
reactivate = _account_step(
    "reactivate", _reactivate, ACTIVE, "Allow a deactivated account to sign in again."
)
force_reset = _account_step(
    "password-reset",
    _force_reset,
    f"{ACTIVE}&reset=1",
    "End the account's sessions and send it a password-reset e-mail.",
)


@post("/admin/users/{account_id:uuid}/roles")
async def set_roles(
    request: Request, account_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """Replace the account's roles with the ones ticked (at least one, as the API wants)."""
    admin = viewer(request, Role.ADMIN)
    form = await request.form()
    ticked = frozenset(map(str, form.getall("roles", [])))
    try:
        if not ticked:
            raise BadInput("Choose at least one role.")
        entry = await web.accounts.set_roles(account_id, ticked, by=admin.id)
    except HduceError as exc:
        return await _users_page(request, web, form, exc, roles_refused=(account_id, ticked))
    return go(request, "/admin/users?" + urlencode({"status": entry.status, "q": entry.username}))


HANDLERS = (users, approve, deactivate, reactivate, set_roles, force_reset)
