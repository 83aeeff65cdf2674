"""A real HTTP server standing in for an SMS provider: records requests, answers as told."""

import ssl
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HOST = "127.0.0.1"
HANG = 0
"""A reply status that makes the provider wait instead of answering (until the test ends)."""


@dataclass(frozen=True)
class Request:
    """One request the provider received."""

    path: str
    headers: dict[str, str]
    body: bytes


class Provider:
    """A real HTTP server on a free loopback port that records requests and answers as told."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        """Listen on loopback; with `tls`, speak HTTPS (its certificate names the host)."""
        self.requests: list[Request] = []
        self.replies: deque[tuple[int, str | bytes]] = deque()
        self.released = threading.Event()
        self.announced: int | None = None
        """A Content-Length to announce instead of the reply's: the rest never comes (huge)."""
        self.headers: dict[str, str] = {}
        """Headers added to every reply (e.g. `Retry-After`)."""
        self.encoding: str | None = None
        """A Content-Encoding to announce (the reply's bytes are sent as given, already encoded)."""
        self._server = ThreadingHTTPServer((HOST, 0), self._handler())
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.port = self._server.server_address[1]
        self.url = f"http://{HOST}:{self.port}/2010-04-01/Messages.json"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                provider.requests.append(Request(self.path, dict(self.headers.items()), body))
                status, text = (
                    provider.replies.popleft() if provider.replies else (201, '{"sid": "SM1"}')
                )
                if status == HANG:
                    provider.released.wait(10)
                    return
                payload = text if isinstance(text, bytes) else text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in provider.headers.items():
                    self.send_header(name, value)
                if provider.encoding:
                    self.send_header("Content-Encoding", provider.encoding)
                self.send_header("Content-Length", str(provider.announced or len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                if provider.announced:
                    self.wfile.flush()
                    provider.released.wait(10)
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        return Handler


@pytest.fixture
def provider() -> Iterator[Provider]:
    """A provider for one test, stopped afterwards whatever happens."""
    server = Provider()
    server.start()
    try:
        yield server
    finally:
        server.stop()
