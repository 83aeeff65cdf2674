"""A connection's reader that reads MQTT packets whole, refusing one from its fixed header."""

import asyncio
from collections.abc import Callable

from amqtt.adapters import ReaderAdapter

_MORE = 0x80
_MAX_LENGTH_BYTES = 4


class PacketTooLarge(Exception):
    """A packet announced more than `max_packet_size` bytes; its body is never read."""


class SizeCappedReader(ReaderAdapter):
    """Reads a connection's packets whole, each refused from its header when it is too large.

    amqtt 0.12.1 reads a whole packet body (`readexactly(remaining_length)`) before anything
    can look at it, so one PUBLISH announcing 200 MiB makes the process buffer 200 MiB. The
    broker reads every packet, the CONNECT included, through `read_packet` (for TCP, TLS and
    WebSocket readers alike), which raises as soon as the remaining length is over `limit`,
    before the body is asked for. The reader loop treats the exception as fatal and closes the
    connection (an abnormal disconnect: the client's will goes out); at CONNECT the broker
    closes the socket.
    """

    def __init__(self, inner: ReaderAdapter, limit: int, on_refused: Callable[[], None]) -> None:
        self._inner = inner
        self._limit = limit
        self._on_refused = on_refused

    async def read(self, n: int = -1) -> bytes:
        """Read from the wrapped adapter (amqtt's interface; the broker uses `read_packet`)."""
        return await self._inner.read(n)

    def feed_eof(self) -> None:
        """Acknowledge EOF on the wrapped adapter."""
        self._inner.feed_eof()

    def arrivals(self) -> asyncio.StreamReader | None:
        """The TCP or TLS stream beneath, which takes bytes as they arrive; None: WebSocket."""
        stream = getattr(self._inner, "_reader", None)
        return stream if isinstance(stream, asyncio.StreamReader) else None

    async def read_packet(self) -> tuple[int, bytes] | None:
        """The next whole packet as (first byte, body), in two or three reads; None at EOF.

        The remaining length is checked before the body is read.
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

    def _refuse(self, length: int) -> None:
        self._on_refused()
        raise PacketTooLarge(f"a packet announced {length} bytes (most: {self._limit})")
