"""A real HTTP receiver that answers slowly or at length, and records how much it could send."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass
class Streamer:
    """How to answer: `status` after `delay` seconds, its head one byte every `head_pause` seconds
    (if set), then `size` bytes of body in `chunk`s `pause` apart.

    `sent` counts the body bytes the sender took before it hung up; `answered_at` is when the
    status line went out (Unix time).
    """

    status: int = 200
    size: int = 0
    chunk: int = 1
    pause: float = 0.0
    delay: float = 0.0
    head_pause: float = 0.0
    url: str = ""
    sent: int = 0
    answered_at: float = 0.0
    requests: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def head(self) -> bytes:
        """The status line and headers (padded, so a trickled head takes a while)."""
        return (
            f"HTTP/1.1 {self.status} Answer\r\nContent-Length: {self.size}\r\n"
            f"X-Padding: {'p' * 30}\r\n\r\n"
        ).encode()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class answering as this streamer says."""
        streamer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                streamer.requests += 1
                if streamer.stop.wait(streamer.delay):
                    return
                streamer.answered_at = time.time()
                head = streamer.head()
                pieces = (
                    [head[i : i + 1] for i in range(len(head))] if streamer.head_pause else [head]
                )
                if not self._write(pieces, streamer.head_pause):
                    return
                chunks, rest = divmod(streamer.size, streamer.chunk)
                body = [b"x" * streamer.chunk] * chunks + ([b"x" * rest] if rest else [])
                self._write(body, streamer.pause, counted=True)

            def _write(self, pieces: list[bytes], pause: float, *, counted: bool = False) -> bool:
                """Write `pieces` `pause` apart; False once the sender hung up or the test ended."""
                for piece in pieces:
                    if streamer.stop.is_set():
                        return False
                    try:
                        self.wfile.write(piece)
                        self.wfile.flush()
                    except OSError:
                        return False
                    streamer.sent += len(piece) if counted else 0
                    streamer.stop.wait(pause)
                return True

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        return Handler


@contextmanager
def streaming(streamer: Streamer) -> Iterator[Streamer]:
    """Serve `streamer` on a free loopback port (its `url`) for the block."""
    server = ThreadingHTTPServer((HOST, 0), streamer.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    streamer.url = f"http://{HOST}:{server.server_address[1]}/in"
    try:
        yield streamer
    finally:
        streamer.stop.set()
        server.shutdown()
        server.server_close()
        thread.join()
