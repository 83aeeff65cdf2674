"""Uvicorn's HTTP protocol, with bounds on each request's head (its line and headers).

Uvicorn bounds the wait between two requests of a kept-alive connection, but not a connection
that sends nothing, nor one whose headers trickle in a line at a time (slowloris): each held a
file descriptor for as long as its client liked. Nor does it bound the headers' size (its
httptools parser keeps every header line): 192 MiB of short lines in one request took the
process to a 3 GB peak. Here a connection must complete a request's head within
`server.header_timeout` of opening, or of its previous answer's end, else it is closed (with a
`408` problem if part of a request had come); a head over `server.request_max_header_size`
bytes, or with more than `MAX_HEADER_FIELDS` header lines, is answered `431` and the connection
closed (each short line costs the parser more memory than its bytes). Every head is measured,
one that follows another request in the same read (pipelined) too, and a refused head's request
never runs.
"""

import asyncio
import re
from typing import Any

import msgspec
import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from hduce.core.errors import PROBLEM_JSON, PROBLEM_TYPE_BASE, Problem, status_phrase

MAX_HEADER_FIELDS = 100
"""Header lines one request may have (Apache's default bound; browsers send about 20)."""
HEAD_END = re.compile(rb"\n\r?\n")
"""The end of a request's head: a line's end, then an empty line."""


def _problem_answer(status: int, detail: str) -> bytes:
    """A raw problem+json answer that closes the connection (sent before any request runs)."""
    body = msgspec.json.encode(
        Problem(
            type=PROBLEM_TYPE_BASE + status_phrase(status).lower().replace(" ", "-"),
            title=status_phrase(status),
            status=status,
            detail=detail,
        )
    )
    head = (
        f"HTTP/1.1 {status} {status_phrase(status)}\r\ncontent-type: {PROBLEM_JSON}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class RequestHeadConfig(uvicorn.Config):
    """Uvicorn's config with the request head's bounds, served by `BoundedHeadProtocol`."""

    def __init__(
        self, app: Any, *, header_timeout: float, max_header_size: int, **options: Any
    ) -> None:
        super().__init__(app, http=BoundedHeadProtocol, **options)
        self.header_timeout = header_timeout
        self.max_header_size = max_header_size
        self.timed_out_answer = _problem_answer(
            408, f"the request headers did not all arrive within {header_timeout:g} s"
        )
        self.too_large_answer = _problem_answer(
            431,
            f"the request line and headers exceed {max_header_size} bytes "
            f"or {MAX_HEADER_FIELDS} header fields",
        )


class BoundedHeadProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """A request's head must arrive in time and be small enough: see the module docstring.

    A class at module level, with its settings in the config: `--reload` pickles both.
    """

    config: RequestHeadConfig
    _deadline: asyncio.TimerHandle | None = None
    _waiting_cycle: Any = None
    _head_bytes = 0
    """Bytes received of the head being parsed (at least: see `data_received`)."""
    _head_tail = b""
    """The last bytes of those, where the empty line ending the head may have begun."""
    _parsed = 0
    """Bytes of the request being parsed that the parser handed over: its target and headers."""
    _fields = 0
    """Header lines of the request being parsed."""
    _in_body = False
    """Whether the parser is reading a request's body (maybe one already answered, e.g. 413)."""
    _heads_seen = 0
    """Requests whose parsing began, on this connection."""
    _refused = False
    """Whether a head was over a bound: the connection ends, nothing more of it is parsed."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Parse `data`, unless it takes a head past its bounds (then 431).

        A head is measured before parsing, so that one which ends within the read that takes
        it past the bound is refused before its request runs; the body after it does not count.
        Heads that begin within the read (pipelined requests, after a body) are measured as the
        parser hands them over, and refused before their request runs.
        """
        if self._refused:
            return
        if not self._in_body:
            if self._head_size(data) > self.config.max_header_size:
                self._end_with(self.config.too_large_answer)
                return
            self._head_bytes += len(data)
        heads_seen = self._heads_seen
        super().data_received(data)
        if self._refused:
            self._end_with(self.config.too_large_answer)
        elif self._heads_seen != heads_seen:  # where the last head began within `data` is unknown
            self._head_bytes = 0 if self._in_body else self._parsed
        self._head_tail = data[-2:]

    def _head_size(self, data: bytes) -> int:
        """The head's bytes once `data` is added: up to its empty line, if `data` holds it."""
        seen = self._head_tail + data
        end = HEAD_END.search(seen)
        return self._head_bytes + (end.end() - len(self._head_tail) if end else len(data))

    def on_message_begin(self) -> None:
        """A request starts (httptools' parser): measure its head from zero."""
        self._heads_seen += 1
        self._fields = self._parsed = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        """Keep (part of) the request target (httptools' parser), unless the head is too large."""
        self._parsed += len(url)
        if not self._over_bounds():
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Keep a header line (httptools' parser), unless the head is over a bound."""
        self._fields += 1
        self._parsed += len(name) + len(value) + 2  # at least a colon and a line feed
        if not self._over_bounds():
            super().on_header(name, value)

    def _over_bounds(self) -> bool:
        bounds = self._fields > MAX_HEADER_FIELDS or self._parsed > self.config.max_header_size
        self._refused = self._refused or bounds
        return self._refused

    def on_headers_complete(self) -> None:
        """The head is parsed (httptools' parser): its request runs, unless it was refused."""
        self._in_body, self._head_bytes = True, 0
        if not self._refused:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        """Keep (part of) the body (httptools' parser), unless its head was refused."""
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        """The body is read (httptools' parser): what follows is the next request's head."""
        self._in_body = False
        if not self._refused:
            super().on_message_complete()

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
        self._waiting_cycle = self.cycle
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
        self._end_with(self.config.timed_out_answer if self._head_bytes else b"")

    def _end_with(self, answer: bytes) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()
