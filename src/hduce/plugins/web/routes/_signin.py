"""Sign in, sign out, open a patient account, and `/`, which leads each role to its pages."""

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency

from hduce.contracts.auth import NewPatient, Role
from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.web.routes._csrf import ANONYMOUS_FORM, SIGN_OUT
from hduce.plugins.web.routes._render import go, refused, render
from hduce.plugins.web.routes._session import (
    REFRESH_COOKIE,
    cleared_cookies,
    client_of,
    session_cookies,
)
from hduce.plugins.web.schemas import (
    ForgottenPasswordForm,
    RegistrationForm,
    SignInForm,
    read_form,
)
from hduce.plugins.web.services import WebServices

LANDING = (
    (Role.RECEPTIONIST, "/desk"),
    (Role.ADMIN, "/desk"),
    (Role.DOCTOR, "/clinic"),
    (Role.NURSE, "/clinic"),
    (Role.PATIENT, "/portal"),
)
REGISTER_FIELDS = ("email", "username", "first_name", "last_name")
SECOND_STEP = {
    "mfa-required": (
        "This account signs in in two steps: enter the code from your authenticator app"
        " (or one of your recovery codes)."
    ),
    "invalid-mfa-code": (
        "The code is wrong or was used already: enter the code your authenticator app shows"
        " now (or an unused recovery code)."
    ),
}
"""The API's refusals of the second step in the sign-in page's words (no field names)."""


def landing(principal: Principal) -> str:
    """The first page of a signed-in person, by role."""
    return next((page for role, page in LANDING if principal.has_any_role(role)), "/portal")


def _local_path(target: str) -> str:
    """`target` if it is a path on this site, else `/` (no open redirect).

    No control character or space of any kind either: a browser drops tabs and line breaks
    from an address (`/<tab>/evil.example` is `//evil.example`), and a header cannot hold them.
    """
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    clean = target.isprintable() and " " not in target  # isprintable: no C* or Z* but " "
    return target if ok and clean else "/"


@get("/")
async def home(request: Request) -> Response[Any]:
    """The console or portal when signed in, else the sign-in page."""
    user = request.scope.get("user")
    return go(request, landing(user) if isinstance(user, Principal) else "/login")


@get("/login")
async def login_page(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The sign-in form."""
    target = _local_path(request.query_params.get("next", "/"))
    return render(request, web, "login.html", title="Sign in", next=target, error="", login="")


@post("/login", opt={ANONYMOUS_FORM: True})
async def sign_in(request: Request, web: NamedDependency[WebServices]) -> Response[Any]:
    """Check the credentials with the API's rules and start a session."""
    form = read_form(await request.form(), SignInForm)
    identifier, target = form.login, _local_path(form.next)
    try:
        pair = await web.sign_in.login(
            identifier, form.password, form.totp_code or None, client_of(request)
        )
    except HduceError as exc:
        return refused(
            request,
            web,
            exc,
            "login.html",
            title="Sign in",
            said=SECOND_STEP.get(exc.slug),
            next=target,
            login=identifier,
            totp=exc.slug in SECOND_STEP,
        )
    principal = web.tokens.verify(pair.access_token)
    destination = landing(principal) if target == "/" else target
    return go(request, destination, session_cookies(request, web, pair))


@get("/logout")
async def sign_out_page(request: Request, web: NamedDependency[WebServices]) -> Response[Any]:
    """A one-button form that signs out (a link cannot: sign-out is a POST with a CSRF token)."""
    if not isinstance(request.scope.get("user"), Principal):
        return go(request, "/login")
    return render(request, web, "logout.html", title="Sign out")


@post("/logout", opt={SIGN_OUT: True})
async def sign_out(request: Request, web: NamedDependency[WebServices]) -> Response[Any]:
    """End the session everywhere (API tokens of this session included), then go to sign in.

    Signed out already (in another tab, say), there is nothing left to end.
    """
    principal = request.scope.get("user")
    if isinstance(principal, Principal):
        await web.sign_in.logout(principal, request.cookies.get(REFRESH_COOKIE))
        if principal.session_id is not None:
            web.tokens.revocations.end_session(principal.session_id)
    return go(request, "/login", cleared_cookies(request, web))


@get("/register")
async def register_page(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """The form that opens a patient account."""
    return render(request, web, "register.html", title="Create an account", error="", form={})


@post("/register", opt={ANONYMOUS_FORM: True})
async def register(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Open a patient account; the verification link goes out by e-mail."""
    form = read_form(await request.form(), RegistrationForm)
    person = NewPatient(**msgspec.structs.asdict(form))
    fields = {name: getattr(form, name) for name in REGISTER_FIELDS}
    try:
        await web.sign_in.register(person, client_of(request))
    except HduceError as exc:
        return refused(request, web, exc, "register.html", title="Create an account", form=fields)
    return render(request, web, "registered.html", title="Check your e-mail", email=person.email)


@get("/forgot-password")
async def forgot_password_page(
    request: Request, web: NamedDependency[WebServices]
) -> Response[str]:
    """The form that asks for a password reset link."""
    return render(request, web, "forgot_password.html", title="Forgot your password?", error="")


@post("/forgot-password", opt={ANONYMOUS_FORM: True})
async def forgot_password(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Mail a reset link; the page says the same whether or not the address has an account."""
    form = read_form(await request.form(), ForgottenPasswordForm)
    try:
        await web.sign_in.forgot_password(form.email.strip(), client_of(request))
    except HduceError as exc:
        return refused(request, web, exc, "forgot_password.html", title="Forgot your password?")
    return render(request, web, "reset_sent.html", title="Check your e-mail", email=form.email)
