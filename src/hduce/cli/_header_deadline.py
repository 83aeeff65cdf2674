"""Uvicorn's HTTP protocol, with a deadline for each request's headers.

Uvicorn bounds the wait between two requests of a kept-alive connection, but not a connection
that sends nothing, nor one whose headers trickle in a line at a time (slowloris): each held a
file descriptor for as long as its client liked. Here a connection must complete a request's
headers within `server.header_timeout` of opening, or of its previous answer ending; else it is
closed, with a `408` problem if part of a request had come.
"""

import asyncio
from typing import Any

import msgspec
import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from hduce.core.errors import PROBLEM_JSON, PROBLEM_TYPE_BASE, Problem, status_phrase


def _timed_out_answer(seconds: float) -> bytes:
    """The raw `408` sent when part of a request came but not all its headers in time."""
    body = msgspec.json.encode(
        Problem(
            type=PROBLEM_TYPE_BASE + "request-timeout",
            title=status_phrase(408),
            status=408,
            detail=f"the request headers did not all arrive within {seconds:g} s",
        )
    )
    head = (
        f"HTTP/1.1 408 {status_phrase(408)}\r\ncontent-type: {PROBLEM_JSON}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class HeaderDeadlineConfig(uvicorn.Config):
    """Uvicorn's config with `header_timeout`, served by `HeaderDeadlineProtocol`."""

    def __init__(self, app: Any, *, header_timeout: float, **options: Any) -> None:
        super().__init__(app, http=HeaderDeadlineProtocol, **options)
        self.header_timeout = header_timeout
        self.timed_out_answer = _timed_out_answer(header_timeout)


class HeaderDeadlineProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """A request's headers must arrive within `config.header_timeout`: see the module docstring.

    A class at module level, with its setting in the config: `--reload` pickles both.
    """

    config: HeaderDeadlineConfig
    _deadline: asyncio.TimerHandle | None = None
    _waiting_cycle: Any = None
    _bytes_came = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Note that part of a request came (a timeout then answers 408)."""
        self._bytes_came = True
        super().data_received(data)

    def on_response_complete(self) -> None:
        """Start the clock for the next request's headers."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._waiting_cycle, self._bytes_came = self.cycle, False
        self._deadline = self.loop.call_later(self.config.header_timeout, self._deadline_passed)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
        transport = self.transport
        if self.cycle is not self._waiting_cycle or transport.is_closing():
            return  # the headers came: the request (or its answer) is under way
        if transport.get_protocol() is not self:
            return  # upgraded (a WebSocket): another protocol owns the connection
        if self._bytes_came:
            transport.write(self.config.timed_out_answer)
        transport.close()
