"""The request path: one pure-ASGI middleware for what every HTTP request gets.

In order: a request id (from `X-Request-ID` or new), the client's address for audit records made
while serving it (`serving_client_ip`), a body that must keep arriving (408), `nosniff` on every
answer and `no-store` on all but static assets, HEAD answered as GET without its body, the
headers routed middleware asked for (`RateLimit-*`), and one access-log line (secret paths
redacted). Each stacked `send` wrapper used to cost a call per message; here one wrapper does
all of it, and `receive` is wrapped only while a body is read. Routed middleware (rate limits,
request metrics) runs inside the router and shares the `RequestState` of the request instead of
wrapping `send` again.
"""

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Callable

from litestar import Litestar
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_408_REQUEST_TIMEOUT
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hduce.core.http import serving_client_var
from hduce.core.logging import loggable_path, request_id_var

REQUEST_ID_HEADER = b"x-request-id"
NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
STATIC_PREFIX = "/static/"
"""Where assets (scripts, styles, images) are served: the only answers caches may keep."""
STATE_KEY = "hduce.request"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,128}$")
_BODY_HEADERS = (b"content-length", b"transfer-encoding")

access_logger = logging.getLogger("hduce.access")


class BodyTimedOut(HTTPException):
    """The client sent part of a body and then nothing for longer than the body timeout."""

    status_code = HTTP_408_REQUEST_TIMEOUT


class RequestState:
    """What the steps of one request share: its id, status, body time and extra headers."""

    __slots__ = ("answered", "body_sent_at", "headers", "replaced", "request_id", "status")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.status = 500
        self.body_sent_at: float | None = None
        self.headers: list[tuple[bytes, bytes]] = [(REQUEST_ID_HEADER, request_id.encode())]
        self.replaced: frozenset[bytes] = frozenset()
        self.answered: list[Callable[[], None]] | None = None

    def when_answered(self, step: Callable[[], None]) -> None:
        """Run `step` once the answer is out, with its status (whichever layer sent it)."""
        self.answered = [*(self.answered or ()), step]

    def set_headers(self, names: frozenset[bytes], headers: list[tuple[bytes, bytes]]) -> None:
        """Answer with `headers` instead of any header the response has named in `names`.

        The first step to claim a name keeps it: the app-wide rate limit runs before a route's
        own, and its `RateLimit-*` headers are the ones a served request shows.
        """
        if names & self.replaced:
            return
        self.replaced |= names
        self.headers += headers

    def withdraw_headers(self, names: frozenset[bytes]) -> None:
        """Leave the headers named in `names` to the response (a refusal carries its own)."""
        self.headers = [h for h in self.headers if h[0] not in names]
        self.replaced -= names


def request_state(scope: Scope) -> RequestState:
    """The state `RequestPath` gave this request."""
    return scope[STATE_KEY]  # type: ignore[literal-required]


class RequestPath:
    """The one middleware around the whole app (outside the router: 404s and 405s too)."""

    def __init__(self, app: ASGIApp, *, body_timeout: float) -> None:
        self._app = app
        self._body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with its id, headers, body deadline and access-log line."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        incoming_id, has_body = _read_headers(scope)
        request_id = incoming_id or secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        state = RequestState(request_id)
        scope[STATE_KEY] = state  # type: ignore[literal-required]
        safety = [NOSNIFF] if scope["path"].startswith(STATIC_PREFIX) else [NOSNIFF, NO_STORE]
        state.set_headers(frozenset(name for name, _ in safety), safety)
        token = request_id_var.set(request_id)
        client = scope.get("client")
        client_token = serving_client_var.set(client[0] if client else None)
        started = time.perf_counter()
        head = scope["method"] == "HEAD"

        async def send_once_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                state.status = message["status"]
                headers = message.get("headers", ())
                if state.replaced:
                    headers = [h for h in headers if h[0].lower() not in state.replaced]
                message["headers"] = [*headers, *state.headers]
            elif message["type"] == "http.response.body":
                state.body_sent_at = time.perf_counter()
                if head:
                    message = {**message, "body": b""}
            await send(message)

        if has_body:
            receive = self._receive_in_time(receive)
        try:
            # HEAD is GET without the body (RFC 9110 9.3.2): every GET route answers it.
            routed = {**scope, "method": "GET"} if head else scope
            await self._app(routed, receive, send_once_wrapped)
        finally:
            for step in state.answered or ():
                step()
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(
                    "%s %s %s",
                    scope["method"],
                    loggable_path(scope),
                    state.status,
                    extra={
                        "status": state.status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)
            serving_client_var.reset(client_token)

    def _receive_in_time(self, receive: Receive) -> Receive:
        """`receive` whose waits for the next body chunk last at most the body timeout."""
        seconds = self._body_timeout
        body_done = False

        async def receive_in_time() -> Message:
            nonlocal body_done
            if body_done:  # later calls wait for a disconnect (streaming responses): no limit
                return await receive()
            try:
                async with asyncio.timeout(seconds):
                    message = await receive()
            except TimeoutError:
                body_done = True
                raise BodyTimedOut(
                    detail=f"the request body stopped arriving for {seconds:g} s",
                    headers={"Connection": "close"},
                ) from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        return receive_in_time


def install_request_path(app: Litestar, *, body_timeout: float) -> Litestar:
    """Wrap the whole app, outside the router, in the request path."""
    app.asgi_handler = RequestPath(app.asgi_handler, body_timeout=body_timeout)
    return app


def _read_headers(scope: Scope) -> tuple[str | None, bool]:
    """A valid incoming request id, and whether a body is announced (one pass over headers).

    HTTP/1.1 has no body without `Content-Length` or `Transfer-Encoding`.
    """
    request_id, has_body = None, False
    for name, value in scope["headers"]:
        if name in _BODY_HEADERS:
            has_body = True
        elif name == REQUEST_ID_HEADER and request_id is None and _VALID_REQUEST_ID.match(value):
            request_id = value.decode()
    return request_id, has_body
