"""Errors on web pages: an HTML page with the reason, or the sign-in page when signed out."""

from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException
from litestar.types import ExceptionHandlersMap

from hduce.core.error_answers import exception_handlers, problem_for
from hduce.core.errors import HduceError
from hduce.core.options_answers import allow_header
from hduce.core.plugin import API_PREFIX
from hduce.plugins.web.errors import SessionEnded, SignInRequired
from hduce.plugins.web.routes._csrf import SAFE_METHODS
from hduce.plugins.web.routes._field_errors import in_words
from hduce.plugins.web.routes._render import error_headers, go, render
from hduce.plugins.web.services import WebServices

WRONG_WAY = (
    "This page cannot be opened this way: the link may be old, or a button was used twice."
    " Nothing was changed. Go back to the page and try again from there."
)
"""A 405 in words: an address asked for with a method it does not take."""
SIGNED_OUT = "Your session ended, so this part of the page could not be updated."
"""A live update's refusal when the session has ended (the page keeps what it holds)."""


def page_exception_handlers(services: WebServices) -> ExceptionHandlersMap:
    """Every error a page can meet rendered as a page: the API's problem, never its JSON."""

    def domain_error(request: Request, exc: HduceError) -> Response[Any]:
        if isinstance(exc, SignInRequired) and request.headers.get("hx-request"):
            return _signed_out_here(request, services)
        if isinstance(exc, SessionEnded):
            return _sign_in_again(request, services, exc)
        if isinstance(exc, SignInRequired):
            return go(request, _sign_in_address(request))
        response = _error_page(request, services, exc.status_code, exc.title, exc.detail)
        response.headers.update(error_headers(exc))
        return response

    def http_error(request: Request, exc: HTTPException) -> Response[Any]:
        detail = str(exc.detail)
        response = _error_page(request, services, exc.status_code, "Request refused", detail)
        response.headers.update(exc.headers or {})
        return response

    def problem_page(request: Request, exc: Exception) -> Response[Any]:
        # The database down, a value PostgreSQL refused, a bug: what the API would answer.
        return _as_page(request, services, exc)

    # Every class the API maps, so none of its handlers is closer to an error than these.
    handlers: ExceptionHandlersMap = dict.fromkeys(exception_handlers(), problem_page)
    return {**handlers, HduceError: domain_error, HTTPException: http_error}


def unknown_address_handler(services: WebServices) -> ExceptionHandlersMap:
    """No route for the address (or the method): a page for a browser, else the API's problem."""

    def unknown_address(request: Request, exc: HTTPException) -> Response[Any]:
        if request.url.path.startswith(API_PREFIX) or not _wants_html(request):
            return problem_for(request, exc)
        if isinstance(exc, NotFoundException):
            detail = "There is no page at this address."
            return _error_page(request, services, 404, "Page not found", detail)
        if isinstance(exc, MethodNotAllowedException):
            back = _page_at_or_above(request, request.url.path)
            title = "Not available this way"
            response = _error_page(request, services, 405, title, WRONG_WAY, back=back)
            # Litestar's `Allow` (no HEAD, in its own order) said as the path's OPTIONS says it.
            response.headers["allow"] = allow_header((exc.headers or {}).get("allow", ""))
            return response
        return _as_page(request, services, exc)

    return {NotFoundException: unknown_address, MethodNotAllowedException: unknown_address}


def _as_page(request: Request, services: WebServices, exc: Exception) -> Response[Any]:
    """The API's problem for `exc` as the error page: its status, title, detail and headers."""
    problem = problem_for(request, exc)
    said = msgspec.json.decode(problem.content)
    detail = said.get("detail") or ""
    response = _error_page(request, services, problem.status_code, said["title"], detail)
    response.headers.update(problem.headers)  # Retry-After, Allow
    return response


def _error_page(
    request: Request,
    services: WebServices,
    status: int,
    title: str,
    detail: str,
    back: str = "/",
) -> Response[str]:
    """The error page; for htmx, its refusal alone (swapped where the fragment would go).

    `back`: the page it leads back to, besides the start.
    """
    said = in_words(status, detail)
    template = "_refusal.html" if request.headers.get("hx-request") else "error.html"
    return render(
        request, services, template, title=title, status_code=status, detail=said, back=back
    )


def _sign_in_again(request: Request, services: WebServices, exc: SessionEnded) -> Response[str]:
    """The sign-in form, saying the session ended, with what the form carried to copy."""
    return render(
        request,
        services,
        "login.html",
        title="Sign in",
        status_code=exc.status_code,
        error=exc.detail,
        next=_here(request),
        login="",
        typed=exc.extra["typed"],
    )


def _signed_out_here(request: Request, services: WebServices) -> Response[str]:
    """A live update asked for signed out: the reason where its fragment goes, and a link.

    The page stays as it is (what its forms hold included); the link signs in in a new tab,
    after which the page's next update works again.
    """
    return render(
        request,
        services,
        "_refusal.html",
        title="Sign in",
        status_code=SignInRequired.status_code,
        detail=SIGNED_OUT,
        sign_in=_sign_in_address(request),
    )


def _sign_in_address(request: Request) -> str:
    """The sign-in page, leading back to this page once signed in."""
    return f"/login?next={quote(_here(request), safe='/')}"


def _here(request: Request) -> str:
    """The page's path and query: where signing in leads back to (`?day=…&view=week` kept).

    The page htmx was on (`HX-Current-URL`), not its fragment's address; for a form sent, the
    page it was on (`Referer`, sent within the site), else the start. A refusal is shown at
    its form's address, which may take only forms: then the nearest page above it.
    """
    page = str(request.url)
    if request.headers.get("hx-request"):
        page = request.headers.get("hx-current-url") or page
    elif request.method not in SAFE_METHODS:
        page = request.headers.get("referer") or "/"
    shown = urlsplit(page)
    path = _page_at_or_above(request, shown.path or "/")
    return f"{path}?{shown.query}" if shown.query and path == shown.path else path


def _page_at_or_above(request: Request, path: str) -> str:
    """`path` if it answers GET, else the nearest parent path that does (at last `/`)."""
    while path.strip("/"):
        try:
            request.app.asgi_router.handle_routing(path=path, method="GET")
        except (NotFoundException, MethodNotAllowedException):
            path = path.rstrip("/").rsplit("/", 1)[0]
        else:
            return path
    return "/"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers
