"""The web console's routes: pages behind the cookie session, CSRF check and page errors."""

from pathlib import Path

from litestar import Request, Response, Router
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from hduce.core.db import HduceEngine
from hduce.core.rate_limit import SharedWindows, counting_rate_limit
from hduce.core.security import EXCLUDE_OPT_KEY
from hduce.plugins.web.routes import (
    _admin,
    _admin_analytics,
    _admin_audit,
    _admin_deliveries,
    _admin_devices,
    _admin_hours,
    _admin_types,
    _clinician,
    _clinician_alert,
    _clinician_notes,
    _clinician_patient,
    _clinician_search,
    _confirm,
    _desk,
    _desk_changes,
    _desk_register,
    _portal,
    _portal_account,
    _portal_documents,
    _portal_live,
    _portal_visits,
    _signin,
)
from hduce.plugins.web.routes._csrf import TOO_LARGE_PAGE, check_csrf
from hduce.plugins.web.routes._problems import page_exception_handlers, unknown_address_handler
from hduce.plugins.web.routes._session import WebSession
from hduce.plugins.web.services import WebServices

__all__ = ["unknown_address_handler", "web_routes"]

STATIC = Path(__file__).resolve().parents[1] / "static"
PAGES = {EXCLUDE_OPT_KEY: True}
"""Pages authenticate with the cookie session, not a bearer token."""


def web_routes(services: WebServices, db: HduceEngine) -> list[ControllerRouterHandler]:
    """The pages, the sign-in forms limited like the API's, and the static assets."""

    async def csrf(request: Request) -> Response[str] | None:
        try:
            await check_csrf(request, services)
        except RequestEntityTooLarge:
            # The form's token is in the body refused: a route may show its form again instead.
            too_large = request.route_handler.opt.get(TOO_LARGE_PAGE)
            if too_large is None:
                raise
            return await too_large(request, services)
        return None

    def pages(*handlers: ControllerRouterHandler, limit: str = "") -> Router:
        middleware = [WebSession(services)]
        if limit:
            unit, count = services.sign_in.address_limit(limit)
            # The API's own windows: web and API sign-ins share one budget per address.
            windows = SharedWindows(db, f"address:{limit}")
            config = RateLimitConfig((unit, count), check_throttle_handler=_posts)
            middleware.append(counting_rate_limit(config, windows))
        return Router(
            path="/",
            route_handlers=list(handlers),
            middleware=middleware,
            before_request=csrf,
            exception_handlers=page_exception_handlers(services),
            opt=PAGES,
            include_in_schema=False,
        )

    return [
        pages(_signin.login_page, _signin.sign_in, limit="login"),
        pages(_signin.register_page, _signin.register, limit="register"),
        pages(_signin.forgot_password_page, _signin.forgot_password, limit="forgot_password"),
        pages(
            _signin.home,
            _signin.sign_out,
            _signin.sign_out_page,
            *_portal.HANDLERS,
            *_portal_visits.HANDLERS,
            *_portal_documents.HANDLERS,
            *_portal_account.HANDLERS,
            *_portal_live.HANDLERS,
            *_desk.HANDLERS,
            *_desk_changes.HANDLERS,
            *_desk_register.HANDLERS,
            *_admin.HANDLERS,
            *_admin_analytics.HANDLERS,
            *_admin_audit.HANDLERS,
            *_admin_deliveries.HANDLERS,
            *_admin_devices.HANDLERS,
            *_admin_hours.HANDLERS,
            *_admin_types.HANDLERS,
            *_clinician.HANDLERS,
            *_clinician_alert.HANDLERS,
            *_clinician_notes.HANDLERS,
            *_clinician_patient.HANDLERS,
            *_clinician_search.HANDLERS,
            *_confirm.HANDLERS,
        ),
        create_static_files_router(path="/static/web", directories=[STATIC], opt=PAGES),
    ]


async def _posts(request: Request) -> bool:
    """Only submitted forms count against a sign-in budget, not showing the form."""
    return request.method == "POST"
