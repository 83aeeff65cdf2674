"""A reader under amqtt's MQTT parser that refuses a packet from its fixed header alone."""

import asyncio
from collections.abc import Callable

from amqtt.adapters import ReaderAdapter

_MORE = 0x80
_MAX_LENGTH_BYTES = 4


class PacketTooLarge(Exception):
    """A packet announced more than `max_packet_size` bytes; its body is never read."""


class SizeCappedReader(ReaderAdapter):
    """Passes a connection's bytes to amqtt while following MQTT's framing.

    amqtt 0.12.1 reads a whole packet body (`readexactly(remaining_length)`) before anything
    can look at it, so one PUBLISH announcing 200 MiB makes the process buffer 200 MiB. This
    adapter (for TCP, TLS and WebSocket readers alike) decodes each fixed header as amqtt reads
    it and raises as soon as the remaining length is over `limit`, before the body is asked
    for. amqtt's reader loop treats the exception as fatal and closes the connection (an
    abnormal disconnect: the client's will goes out); at CONNECT the broker closes the socket.
    """

    def __init__(self, inner: ReaderAdapter, limit: int, on_refused: Callable[[], None]) -> None:
        self._inner = inner
        self._limit = limit
        self._on_refused = on_refused
        self._header: list[int] = []  # remaining-length bytes of the header being read
        self._in_header = False
        self._body_left = 0
        self._refused = False

    async def read(self, n: int = -1) -> bytes:
        """Read like the wrapped adapter; refuse once a header announces too much."""
        if self._refused:
            raise PacketTooLarge("connection refused for an oversized packet")
        data = await self._inner.read(n)
        self._follow(data)
        return data

    def feed_eof(self) -> None:
        """Acknowledge EOF on the wrapped adapter."""
        self._inner.feed_eof()

    async def read_packet(self) -> tuple[int, bytes] | None:
        """The next whole packet as (first byte, body), in two or three reads; None at EOF.

        For the reader loop once a client is signed in; the remaining length is checked before
        the body is read, as in `read`.
        """
        try:
            head = await self._inner.read(2)  # the type byte and the first length byte
            if len(head) < 2:
                return None
            byte, length, shift = head[1], head[1] & 0x7F, 7
            while byte & _MORE:
                if shift == 7 * _MAX_LENGTH_BYTES:
                    self._refuse(self._limit + 1)
                more = await self._inner.read(1)
                if not more:
                    return None
                byte = more[0]
                length |= (byte & 0x7F) << shift
                shift += 7
            if length > self._limit:
                self._refuse(length)
            body = await self._inner.read(length) if length else b""
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        return (head[0], body) if len(body) == length else None

    def _follow(self, data: bytes) -> None:
        position = 0
        while position < len(data):
            if self._body_left:
                step = min(self._body_left, len(data) - position)
                self._body_left -= step
                position += step
                continue
            byte = data[position]
            position += 1
            if not self._in_header:
                self._in_header = True  # the packet type byte
                continue
            self._header.append(byte)
            if byte & _MORE and len(self._header) < _MAX_LENGTH_BYTES:
                continue
            length = _decode(self._header) if not byte & _MORE else self._limit + 1
            self._header.clear()
            self._in_header = False
            if length > self._limit:
                self._refuse(length)
            self._body_left = length

    def _refuse(self, length: int) -> None:
        self._refused = True
        self._on_refused()
        raise PacketTooLarge(f"a packet announced {length} bytes (most: {self._limit})")


def _decode(encoded: list[int]) -> int:
    """MQTT's variable-length integer."""
    return sum((byte & 0x7F) << (7 * index) for index, byte in enumerate(encoded))
