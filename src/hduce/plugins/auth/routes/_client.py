"""What the auth routes record about the calling client."""

from litestar import Request

from hduce.core.http import client_ip
from hduce.plugins.auth.schemas import ClientInfo

MAX_USER_AGENT = 400


def client_of(request: Request) -> ClientInfo:
    """The client's address and user agent."""
    return ClientInfo(
        ip=client_ip(request),
        user_agent=(request.headers.get("user-agent") or "")[:MAX_USER_AGENT] or None,
    )
