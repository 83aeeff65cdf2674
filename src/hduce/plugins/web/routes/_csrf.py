"""CSRF tokens: an HMAC of the session (or, before signing in, of the anonymous cookie).

Every form carries the token in a hidden field and htmx sends it as `X-CSRF-Token`; a request
that changes anything is refused unless it carries the token of the session it comes with.
"""

import hashlib
import hmac

import msgspec
from litestar import Request
from litestar.datastructures import FormMultiDict

from hduce.core.security import Principal
from hduce.plugins.web.errors import CsrfRefused, SessionEnded
from hduce.plugins.web.routes._session import ANON_COOKIE
from hduce.plugins.web.services import WebServices

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOO_LARGE_PAGE = "too_large_page"
"""Route `opt` key: `async (request, services) -> page` shown for a form over the route's body
limit (its token unread, the page changes nothing); without it, the error page."""
ANONYMOUS_FORM = "anonymous_form"
"""Route `opt` key: a form sent signed out (sign in, register). Elsewhere, a form with the token
of another session came from a page of a session that has ended since (signed out, or another
sign-in in the browser): it asks to sign in again."""
SIGN_OUT = "sign_out"
"""Route `opt` key: the sign-out form. Sent signed out (the session ended meanwhile), it has
nothing left to guard nor to save: it goes on to its handler, which leads to sign in."""
SECRET = frozenset({FIELD, "code", "totp_code"})
"""Fields never shown back (nor any whose name says password)."""
SESSION_ENDED = "Your session ended, so this was not saved: sign in again to go on."
SESSION_REPLACED = (
    "The session this page was opened in has ended (someone signed in again in this browser"
    " since), so this was not saved: sign in again to go on."
)
"""A form of a signed-in page sent once its session was replaced: never saved as the other."""
TYPED_FIELDS = "typed_fields"
"""Field forms.js adds to a form sent: the names and labels of the fields a person types in
(no hidden ones), in the form's order, as JSON."""


def _session_key(request: Request) -> str:
    user = request.scope.get("user")
    if isinstance(user, Principal) and user.session_id is not None:
        return f"session:{user.session_id}"
    anon = request.cookies.get(ANON_COOKIE) or request.scope.get("state", {}).get("web_anon")
    return f"anon:{anon}" if anon else ""


def csrf_token(request: Request, services: WebServices) -> str:
    """The token the forms of this page carry (empty when the browser keeps no cookie)."""
    key = _session_key(request)
    if not key:
        return ""
    return hmac.new(services.csrf_key, key.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request, services: WebServices) -> None:
    """Refuse an unsafe request whose token is missing or belongs to another session."""
    if request.method in SAFE_METHODS:
        return
    expected = csrf_token(request, services)
    given = request.headers.get(HEADER)
    form = None
    if given is None:
        form = await request.form()
        given = form.get(FIELD)
    if expected and isinstance(given, str) and hmac.compare_digest(expected, given):
        return
    signed_out = not isinstance(request.scope.get("user"), Principal)
    opt = request.route_handler.opt
    if signed_out and opt.get(SIGN_OUT):
        return
    if given and not opt.get(ANONYMOUS_FORM) and not opt.get(SIGN_OUT):
        # Same-site only (the cookies are SameSite=Lax): a page of an earlier session, signed
        # out since or, signed in, replaced by another sign-in in this browser (another tab).
        said = SESSION_ENDED if signed_out else SESSION_REPLACED
        raise SessionEnded(said, typed=_typed(form))
    raise CsrfRefused("This form has expired or did not come from this site; reload the page.")


def _typed(form: FormMultiDict | None) -> list[tuple[str, str]]:
    """The text typed in a form as (label, text), secrets and files left out.

    The fields forms.js named, in the form's order and under its labels; without it (no
    script), every text field the form carried, under its name made readable.
    """
    if form is None:
        return []
    fields = _named_fields(form.get(TYPED_FIELDS))
    if fields is None:
        fields = [(name, "") for name, _ in form.multi_items() if name != TYPED_FIELDS]
    values = {name: iter(form.getall(name, [])) for name, _ in fields}
    typed = []
    for name, label in fields:
        value = next(values[name], None)
        if not isinstance(value, str) or not value.strip():
            continue
        if name not in SECRET and "password" not in name:
            typed.append((label or name.replace("_", " ").capitalize(), value))
    return typed


def _named_fields(said: object) -> list[tuple[str, str]] | None:
    """The (name, label) pairs of TYPED_FIELDS; None when the form has none that reads."""
    if not isinstance(said, str):
        return None
    try:
        return msgspec.json.decode(said, type=list[tuple[str, str]])
    except msgspec.MsgspecError:
        return None
