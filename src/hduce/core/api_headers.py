"""Headers every `/api/v1` answer carries: never cached, never content-sniffed."""

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hduce.core.plugin import API_PREFIX

API_HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))
_NAMES = frozenset(name for name, _ in API_HEADERS)


def api_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Set `API_HEADERS` on every HTTP response under `/api/v1` (errors included)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_api(scope["path"]):
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in _NAMES]
                message = {**message, "headers": [*kept, *API_HEADERS]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")
