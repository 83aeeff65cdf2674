"""`GET /users/me` through the real app: one HDuce `send` wrapper, every header still set."""

import sys
from pathlib import Path
from typing import Any

import hduce
from tests.plugins.users.clinic import Clinic

ME = "/api/v1/users/me"
HDUCE_SOURCE = str(Path(hduce.__file__).parent)
LITESTAR_RESPONSE = str(Path("litestar", "response"))


def scope_of(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """The ASGI scope of a plain HTTP/1.1 GET from a loopback client."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }


async def call(app: Any, path: str, headers: dict[str, str]) -> tuple[list[Any], list[int]]:
    """Run one request; the messages sent, and how many HDuce `send` wrappers each went through."""
    messages: list[Any] = []
    depths: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        # Walk back from here to Litestar's response: every frame between is a `send` wrapper.
        frame, ours = sys._getframe(1), 0
        while frame is not None and LITESTAR_RESPONSE not in frame.f_code.co_filename:
            ours += frame.f_code.co_filename.startswith(HDUCE_SOURCE)
            frame = frame.f_back
        messages.append(message)
        depths.append(ours)

    await app(scope_of(path, headers), receive, send)
    return messages, depths


async def test_a_response_passes_one_hduce_send_wrapper_and_keeps_its_headers(
    clinic: Clinic,
) -> None:
    member = await clinic.member("patient")
    messages, depths = await clinic.in_app(
        call, clinic.client.app, ME, {**member.headers, "X-Request-ID": "trace-1"}
    )
    start = messages[0]
    assert start["status"] == 200
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    assert headers["x-request-id"] == "trace-1"
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-policy"} <= headers.keys()
    # Only the composed request middleware sits between Litestar's response and the server.
    assert depths == [1] * len(messages), depths
