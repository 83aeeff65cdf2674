"""Request id propagation and one access-log line per request (secret paths redacted)."""

import logging
import re
import secrets
import time

from litestar import Litestar
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hduce.core.logging import loggable_path, request_id_var

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")

access_logger = logging.getLogger("hduce.access")


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    """Give each HTTP request an id (from `X-Request-ID` or new), echo it and log the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(
                    "%s %s %s",
                    scope["method"],
                    loggable_path(scope),
                    status,
                    extra={
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)

    return middleware


def install_request_context(app: Litestar) -> Litestar:
    """Wrap the whole app, outside the router, so every response (404 too) gets an id."""
    app.asgi_handler = request_context_middleware(app.asgi_handler)
    return app


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
            return value.decode()
    return None
