"""The pages the e-mailed links open: confirm an address, choose a new password (plain HTML).

A clinic with its own front end points `verify_email_url` / `reset_password_url` there instead;
without one, these pages make the links work. The token travels in the query, so the pages are
never cached and send no referrer; the forms post back here with the token in the body.
"""

from html import escape
from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromQuery

from hduce.core.errors import HduceError
from hduce.plugins.auth.routes._client import client_of
from hduce.plugins.auth.routes._public import PUBLIC
from hduce.plugins.auth.services import AuthServices

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}"
    "input,button{display:block;width:100%;margin:.5rem 0;padding:.6rem;font-size:1rem}"
    ".error{color:#a40000}"
)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


class VerifyForm(msgspec.Struct, kw_only=True):
    """The verification form: the token from the link."""

    token: str = ""


class ResetForm(VerifyForm, kw_only=True):
    """The reset form: the token from the link and the new password, twice."""

    new_password: str = ""
    confirm_password: str = ""


def page(title: str, body: str, status_code: int = 200) -> Response[str]:
    """A small HTML page; `body` must already be escaped."""
    html = (
        f'<!doctype html><html lang="en"><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(html, media_type=MediaType.HTML, status_code=status_code, headers=HEADERS)


SIGN_IN_PAGE = "/login"
"""The web console's sign-in page (served when the web plugin is on)."""


def _sign_in(request: Request, said: str) -> str:
    """`said`, then a link to the sign-in page when this app serves one."""
    served = any(route.path == SIGN_IN_PAGE for route in request.app.routes)
    link = f'<p><a href="{SIGN_IN_PAGE}">Sign in</a></p>' if served else ""
    return f"<p>{said}</p>{link}"


def _token_field(token: str) -> str:
    return f'<input type="hidden" name="token" value="{escape(token)}">'


def _error(message: str) -> str:
    return f'<p class="error" role="alert">{escape(message)}</p>'


def _reset_form(token: str, message: str = "") -> str:
    return (
        f"{_error(message) if message else ''}"
        f'<form method="post" action="/reset-password">{_token_field(token)}'
        '<label>New password<input type="password" name="new_password" '
        'autocomplete="new-password" required minlength="12"></label>'
        '<label>Repeat it<input type="password" name="confirm_password" '
        'autocomplete="new-password" required minlength="12"></label>'
        "<button>Set the new password</button></form>"
    )


@get("/verify-email", opt=PUBLIC, include_in_schema=False)
async def verify_email_page(token: FromQuery[str] = "") -> Response[str]:
    """The link from the verification e-mail: a button confirms (link scanners only GET)."""
    if not token:
        return page("Confirm your e-mail address", _error("This link has no token."), 400)
    form = (
        f'<form method="post" action="/verify-email">{_token_field(token)}'
        "<button>Confirm my e-mail address</button></form>"
    )
    return page("Confirm your e-mail address", form)


@post("/verify-email", opt=PUBLIC, include_in_schema=False, status_code=200)
async def confirm_email(
    request: Request, data: Annotated[VerifyForm, FORM], auth: NamedDependency[AuthServices]
) -> Response[str]:
    """Verify the address; the answer says what happened."""
    try:
        await auth.passwords.verify_email(data.token, client_of(request))
    except HduceError as exc:
        return page("Confirm your e-mail address", _error(exc.detail), exc.status_code)
    return page("E-mail address confirmed", _sign_in(request, "Thank you. You can sign in now."))


@get("/reset-password", opt=PUBLIC, include_in_schema=False)
async def reset_password_page(token: FromQuery[str] = "") -> Response[str]:
    """The link from the reset e-mail: a form for the new password."""
    if not token:
        return page("Choose a new password", _error("This link has no token."), 400)
    return page("Choose a new password", _reset_form(token))


@post("/reset-password", opt=PUBLIC, include_in_schema=False, status_code=200)
async def reset_password_form(
    request: Request,
    data: Annotated[ResetForm, FORM],
    auth: NamedDependency[AuthServices],
) -> Response[str]:
    """Set the new password; a refusal shows the form again with the reason."""
    title = "Choose a new password"
    if data.new_password != data.confirm_password:
        return page(title, _reset_form(data.token, "The two passwords differ."), 422)
    try:
        await auth.passwords.reset(data.token, data.new_password, client_of(request))
    except HduceError as exc:
        return page(title, _reset_form(data.token, exc.detail), exc.status_code)
    said = "Your password is set. You can sign in with it now."
    return page("Password changed", _sign_in(request, said))
