"""Pages: Jinja templates rendered with the caller, the CSRF token and the strict page headers."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.response import Redirect
from litestar.utils import url_quote
from markupsafe import Markup, escape

from hduce.contracts.auth import Role
from hduce.core.errors import HduceError
from hduce.core.numbers import shown_value
from hduce.core.security import Principal
from hduce.plugins.web.errors import PageForbidden, SignInRequired
from hduce.plugins.web.routes._csrf import csrf_token
from hduce.plugins.web.routes._field_errors import field_reasons, in_words
from hduce.plugins.web.services import WebServices

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
TOKEN_PAGE_HEADERS = {**PAGE_HEADERS, "Referrer-Policy": "no-referrer"}
"""A page whose address carries a token (the confirmation link): no referrer shows it on."""
PATIENTS = frozenset({Role.PATIENT})
DESK = frozenset({Role.RECEPTIONIST, Role.ADMIN})
CLINIC = frozenset({Role.DOCTOR, Role.NURSE})
ADMINS = frozenset({Role.ADMIN})
NAV = (
    ("/portal", "My visits", PATIENTS),
    ("/portal/book", "Book a visit", PATIENTS),
    ("/portal/inbox", "Inbox", PATIENTS),
    ("/portal/waitlist", "Waitlist", PATIENTS),
    ("/portal/documents", "Documents", PATIENTS),
    ("/portal/account", "My account", PATIENTS),
    ("/desk", "Front desk", DESK),
    ("/desk/book", "Book for a patient", DESK),
    ("/clinic", "My day", CLINIC),
    ("/clinic/search", "Search", CLINIC),
    ("/desk/waitlist", "Waitlist", DESK),
    ("/desk/patients/new", "New patient", DESK),
    ("/admin/users", "Users", ADMINS),
    ("/admin/types", "Visit types", ADMINS),
    ("/admin/hours", "Working hours", ADMINS),
    ("/admin/devices", "Devices", ADMINS),
    ("/admin/deliveries", "Deliveries", ADMINS),
    ("/admin/analytics", "Analytics", ADMINS),
    ("/admin/audit", "Audit log", ADMINS),
)

_templates = Environment(
    loader=PackageLoader("hduce.plugins.web", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def local_time(value: datetime, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """`value` on the clock of `zone`, as `fmt` writes it."""
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


@pass_context
def alert(context: Context, text: str) -> Markup:
    """A form's refusal: the fields it names (`invalid`) go with it for `forms.js` to tie.

    That script marks those fields `aria-invalid`, points them at the reason and moves focus
    to the first (else to the reason). Several fields each get their own reason, which the
    script moves beside its field (without it, they follow the refusal).
    """
    invalid: dict[str, str] = context.get("invalid", {})
    reasons = "".join(
        f'<p class="error field-error" id="error-{escape(name)}" data-field="{escape(name)}">'
        f"{escape(reason)}</p>"
        for name, reason in invalid.items()
        if len(invalid) > 1
    )
    return Markup(
        f'<p class="error" id="form-error" tabindex="-1" data-fields="{escape(" ".join(invalid))}"'
        f' role="alert">{escape(text)}</p>{reasons}'
    )


_templates.filters["local"] = local_time
_templates.filters["shown"] = shown_value  # a reading's number as sent ("%g" rounds it)
_templates.globals["alert"] = alert


def viewer(request: Request, *roles: str) -> Principal:
    """The signed-in caller holding one of `roles` (any role when none is given)."""
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise SignInRequired("Sign in to continue.")
    if roles and not user.has_any_role(*roles):
        raise PageForbidden("This page is not for your role.")
    return user


def render(
    request: Request,
    services: WebServices,
    template: str,
    *,
    title: str,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Response[str]:
    """A whole page (or, for htmx, the fragment `template` names) with the page headers."""
    user = request.scope.get("user")
    principal = user if isinstance(user, Principal) else None
    nav = [(href, label) for href, label, roles in NAV if principal and principal.roles & roles]
    html = _templates.get_template(template).render(
        title=title,
        clinic=services.config.clinic_name,
        principal=principal,
        nav=nav,
        path=request.url.path,
        csrf=csrf_token(request, services),
        **context,
    )
    return Response(
        html,
        media_type=MediaType.HTML,
        status_code=status_code,
        headers=PAGE_HEADERS if "token" not in request.query_params else TOKEN_PAGE_HEADERS,
        cookies=cookies or [],
    )


def refused(
    request: Request,
    services: WebServices,
    exc: HduceError,
    template: str,
    *,
    title: str,
    said: str | None = None,
    **context: Any,
) -> Response[str]:
    """The form page again after the API refused it: the refusal's status, its detail as `error`.

    `said`: the page's own words for the refusal, instead of the API's detail.
    """
    reasons = field_reasons(exc)
    several = f"{len(reasons)} fields need changing: each is marked with the reason."
    response = render(
        request,
        services,
        template,
        title=title,
        status_code=exc.status_code,
        error=said or (several if len(reasons) > 1 else in_words(exc.status_code, exc.detail)),
        invalid=reasons,
        **context,
    )
    response.headers.update(error_headers(exc))
    return response


def form_page(
    request: Request,
    services: WebServices,
    template: str,
    *,
    title: str,
    refusal: HduceError | None = None,
    **context: Any,
) -> Response[str]:
    """A form's page: as first shown, or again after `refusal` with its reason beside the form.

    The handlers of a form re-render it through this with what was typed, so a refused
    submission keeps the values (and never lands on the bare error page).
    """
    if refusal is not None:
        return refused(request, services, refusal, template, title=title, **context)
    return render(request, services, template, title=title, error="", **context)


def typed(form: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """What a form sent in the fields `names` (stripped; "" for a missing one)."""
    return {name: str(form.get(name) or "").strip() for name in names}


def error_headers(exc: HduceError) -> dict[str, str]:
    """The headers the API answers `exc` with: `Retry-After` of a limit or a lock."""
    seconds = exc.extra.get("retry_after")
    return {} if seconds is None else {"Retry-After": str(seconds)}


def go(request: Request, target: str, cookies: list[Cookie] | None = None) -> Response[Any]:
    """Send the browser to `target` (htmx follows `HX-Redirect`, a form post a 303).

    `HX-Redirect` is quoted as the 303's `Location` is: only URL characters in the header.
    """
    if request.headers.get("hx-request"):
        headers = {**PAGE_HEADERS, "HX-Redirect": url_quote(target)}
        return Response("", status_code=204, headers=headers, cookies=cookies)
    return Redirect(target, status_code=303, headers=PAGE_HEADERS, cookies=cookies or [])
