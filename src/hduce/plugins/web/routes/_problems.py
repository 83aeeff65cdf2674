"""Errors on web pages: an HTML page with the reason, or the sign-in page when signed out."""

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from hduce.core.errors import HduceError
from hduce.plugins.web.errors import SignInRequired
from hduce.plugins.web.routes._render import go, render
from hduce.plugins.web.services import WebServices


def page_exception_handlers(services: WebServices) -> ExceptionHandlersMap:
    """Handlers rendering `HduceError` and Litestar's HTTP errors as pages."""

    def domain_error(request: Request, exc: HduceError) -> Response[Any]:
        if isinstance(exc, SignInRequired):
            return go(request, f"/login?next={quote(request.url.path)}")
        return _page(request, exc.status_code, exc.title, exc.detail)

    def http_error(request: Request, exc: HTTPException) -> Response[Any]:
        response = _page(request, exc.status_code, "Request refused", str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    def _page(request: Request, status: int, title: str, detail: str) -> Response[str]:
        return render(
            request, services, "error.html", title=title, status_code=status, detail=detail
        )

    return {HduceError: domain_error, HTTPException: http_error}
