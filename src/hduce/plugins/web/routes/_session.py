"""The browser's session: cookies holding the API session's tokens, renewed as the API renews them.

The access cookie carries the API's own access token and the refresh cookie its refresh token,
so the web session *is* an API session (a refresh-token family): logging out, revoking the
session or deactivating the account refuses the access token at once, and the refresh token
can no longer renew it.
"""

import asyncio
import hashlib
import secrets
import time

from litestar import Request
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hduce.contracts.auth import Client, TokenPair
from hduce.core.errors import HduceError
from hduce.core.http import client_ip
from hduce.core.security import InvalidToken, Principal
from hduce.plugins.web.services import WebServices

ACCESS_COOKIE = "hduce_access"
REFRESH_COOKIE = "hduce_refresh"
ANON_COOKIE = "hduce_anon"
"""A random value that keys the CSRF token of forms shown before signing in."""
ROTATION_GRACE = 30.0
"""Seconds a rotated refresh token still yields the pair it was exchanged for.

Two requests of one page (htmx) may both find the access token expired; without this the
second would spend the same refresh token again, which the API treats as theft.
"""
MAX_USER_AGENT = 400


def client_of(request: Request) -> Client:
    """The caller's address and user agent, as the API records them."""
    agent = (request.headers.get("user-agent") or "")[:MAX_USER_AGENT] or None
    return Client(ip=client_ip(request), user_agent=agent)


def _secure(request: Request, services: WebServices) -> bool:
    return services.config.secure_cookies or request.url.scheme == "https"


def session_cookies(request: Request, services: WebServices, pair: TokenPair) -> list[Cookie]:
    """The two session cookies for a new or renewed token pair (browser-session lifetime)."""
    secure = _secure(request, services)
    return [
        Cookie(key=name, value=value, httponly=True, samesite="lax", secure=secure, path="/")
        for name, value in (
            (ACCESS_COOKIE, pair.access_token),
            (REFRESH_COOKIE, pair.refresh_token),
        )
    ]


def cleared_cookies(request: Request, services: WebServices) -> list[Cookie]:
    """Cookies that make the browser forget the session."""
    secure = _secure(request, services)
    return [
        Cookie(
            key=name, value="", max_age=0, httponly=True, samesite="lax", secure=secure, path="/"
        )
        for name in (ACCESS_COOKIE, REFRESH_COOKIE)
    ]


class Rotations:
    """Renews sessions one at a time and remembers each renewal for `ROTATION_GRACE` seconds."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._recent: dict[bytes, tuple[TokenPair, float]] = {}

    async def renew(self, services: WebServices, refresh_token: str, client: Client) -> TokenPair:
        """A new pair for `refresh_token` (the same one again within the grace period)."""
        key = hashlib.sha256(refresh_token.encode()).digest()
        async with self._lock:
            now = time.monotonic()
            self._recent = {k: v for k, v in self._recent.items() if v[1] > now}
            if key in self._recent:
                return self._recent[key][0]
            pair = await services.sign_in.refresh(refresh_token, client)
            self._recent[key] = (pair, now + ROTATION_GRACE)
            return pair


class WebSession(ASGIMiddleware):
    """Puts the cookie session's `Principal` (or None) in `scope["user"]`, renewing it if due."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, services: WebServices) -> None:
        self._services = services
        self._rotations = Rotations()

    def __deepcopy__(self, _memo: dict[int, object]) -> "WebSession":
        # Litestar deep-copies route middleware; the session must keep the process's services.
        return self

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Resolve the session, then add any cookie it changed to the response."""
        request: Request = Request(scope)
        principal, cookies = await self._resolve(request)
        scope["user"] = principal
        if principal is None and not request.cookies.get(ANON_COOKIE):
            anon = secrets.token_urlsafe(24)
            scope.setdefault("state", {})["web_anon"] = anon
            cookies.append(
                Cookie(
                    key=ANON_COOKIE,
                    value=anon,
                    httponly=True,
                    samesite="lax",
                    secure=_secure(request, self._services),
                    path="/",
                )
            )
        if not cookies:
            await next_app(scope, receive, send)
            return
        headers = [(b"set-cookie", c.to_header(header="").strip().encode()) for c in cookies]

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await next_app(scope, receive, send_with_cookies)

    async def _resolve(self, request: Request) -> tuple[Principal | None, list[Cookie]]:
        access = request.cookies.get(ACCESS_COOKIE)
        refresh = request.cookies.get(REFRESH_COOKIE)
        if access:
            try:
                return self._services.tokens.verify(access), []
            except InvalidToken:
                pass
        if not refresh:
            return None, cleared_cookies(request, self._services) if access else []
        try:
            pair = await self._rotations.renew(self._services, refresh, client_of(request))
            principal = self._services.tokens.verify(pair.access_token)
        except (HduceError, InvalidToken):
            return None, cleared_cookies(request, self._services)
        return principal, session_cookies(request, self._services, pair)
