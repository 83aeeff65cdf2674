"""Errors on web pages: an HTML page with the reason, or the sign-in page when signed out."""

from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.types import ExceptionHandlersMap

from hduce.core.errors import HduceError, exception_handlers, problem_for
from hduce.core.plugin import API_PREFIX
from hduce.plugins.web.errors import SignInRequired
from hduce.plugins.web.routes._render import go, render
from hduce.plugins.web.services import WebServices


def page_exception_handlers(services: WebServices) -> ExceptionHandlersMap:
    """Every error a page can meet rendered as a page: the API's problem, never its JSON."""

    def domain_error(request: Request, exc: HduceError) -> Response[Any]:
        if isinstance(exc, SignInRequired):
            return go(request, f"/login?next={quote(request.url.path)}")
        return _page(request, exc.status_code, exc.title, exc.detail)

    def http_error(request: Request, exc: HTTPException) -> Response[Any]:
        response = _page(request, exc.status_code, "Request refused", str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    def problem_page(request: Request, exc: Exception) -> Response[Any]:
        # The database down, a value PostgreSQL refused, a bug: what the API would answer.
        problem = problem_for(request, exc)
        said = msgspec.json.decode(problem.content)
        response = _page(request, problem.status_code, said["title"], said.get("detail") or "")
        response.headers.update(problem.headers)  # Retry-After
        return response

    def _page(request: Request, status: int, title: str, detail: str) -> Response[str]:
        return render(
            request, services, "error.html", title=title, status_code=status, detail=detail
        )

    # Every class the API maps, so none of its handlers is closer to an error than these.
    handlers: ExceptionHandlersMap = dict.fromkeys(exception_handlers(), problem_page)
    return {**handlers, HduceError: domain_error, HTTPException: http_error}


def unknown_address_handler(services: WebServices) -> ExceptionHandlersMap:
    """An address no route serves: a page for a browser, the API's problem for anything else."""

    def unknown_address(request: Request, exc: NotFoundException) -> Response[Any]:
        api = request.url.path.startswith(API_PREFIX)
        if api or "text/html" not in request.headers.get("accept", ""):
            return problem_for(request, exc)
        detail = "There is no page at this address."
        return render(
            request, services, "error.html", title="Page not found", status_code=404, detail=detail
        )

    return {NotFoundException: unknown_address}
