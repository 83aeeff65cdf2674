"""A raw-socket MQTT 3.1.1 client for tests that need exact bytes: CONNACK flags, abrupt drops."""

import asyncio
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

CONNACK, PUBLISH, PUBACK, SUBACK = 0x20, 0x30, 0x40, 0x90
ACCEPTED, UNACCEPTABLE_PROTOCOL_VERSION, IDENTIFIER_REJECTED = 0, 1, 2
SERVER_UNAVAILABLE, NOT_AUTHORIZED = 3, 5


@dataclass(frozen=True)
class Will:
    """A Last Will set at CONNECT."""

    topic: str
    message: bytes
    qos: int = 0
    retain: bool = False


def _string(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(raw)) + raw


def remaining_length(length: int) -> bytes:
    """MQTT's variable-length encoding of a packet's remaining length."""
    encoded = bytearray()
    while True:
        length, digit = divmod(length, 128)
        encoded.append(digit | (0x80 if length else 0))
        if not length:
            return bytes(encoded)


def packet(first_byte: int, body: bytes) -> bytes:
    """A whole packet: fixed header, then `body`."""
    return bytes([first_byte]) + remaining_length(len(body)) + body


def connect_packet(
    client_id: str,
    username: str,
    password: str,
    *,
    clean: bool = True,
    will: Will | None = None,
    keep_alive: int = 60,
) -> bytes:
    """CONNECT with credentials, optionally a will."""
    flags = 0xC0 | (0x02 if clean else 0)
    payload = _string(client_id)
    if will is not None:
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
        payload += _string(will.topic) + _string(will.message)
    payload += _string(username) + _string(password)
    header = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", keep_alive)
    return packet(0x10, header + payload)


def publish_packet(topic: str, payload: bytes, *, qos: int = 0, packet_id: int = 1) -> bytes:
    """PUBLISH (never retained, never DUP)."""
    body = _string(topic) + (struct.pack("!H", packet_id) if qos else b"") + payload
    return packet(PUBLISH | (qos << 1), body)


def subscribe_packet(topic_filter: str, *, qos: int = 1, packet_id: int = 1) -> bytes:
    """SUBSCRIBE to one filter."""
    return packet(0x82, struct.pack("!H", packet_id) + _string(topic_filter) + bytes([qos]))


DISCONNECT = packet(0xE0, b"")


async def pushing_back(writer: asyncio.StreamWriter, data: bytes, within: float = 0.2) -> bool:
    """Write `data`; whether the peer stopped reading (not flushed within `within` s).

    It always lets the test's other tasks run: `drain` does not while the buffer has room.
    """
    writer.write(data)
    await asyncio.sleep(0)
    try:
        async with asyncio.timeout(within):
            await writer.drain()
    except TimeoutError:
        return True
    return False


class RawClient:
    """One TCP connection speaking MQTT by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, data: bytes) -> None:
        """Write bytes and flush them."""
        self.writer.write(data)
        await self.writer.drain()

    async def read_packet(self, timeout: float = 5) -> tuple[int, bytes]:
        """The next packet: its first byte and its body."""
        async with asyncio.timeout(timeout):
            first = (await self.reader.readexactly(1))[0]
            length, multiplier = 0, 1
            while True:
                byte = (await self.reader.readexactly(1))[0]
                length += (byte & 0x7F) * multiplier
                multiplier *= 128
                if not byte & 0x80:
                    break
            return first, await self.reader.readexactly(length)

    async def connack(self) -> tuple[bool, int]:
        """Session-present flag and return code of the CONNACK."""
        first, body = await self.read_packet()
        assert first == CONNACK, hex(first)
        return bool(body[0] & 1), body[1]

    async def closed_by_server(self, timeout: float = 10) -> bool:
        """Whether the server closes the connection (EOF or reset) within `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except ConnectionError:
            pass
        return True

    def still_open(self) -> bool:
        """Whether the server has not closed this connection (nothing to read, no EOF)."""
        return not self.reader.at_eof() and not self.writer.transport.is_closing()

    def drop(self) -> None:
        """Close the socket without DISCONNECT (what a device losing power looks like)."""
        self.writer.transport.abort()


@asynccontextmanager
async def raw_connection(port: int, host: str = "127.0.0.1") -> AsyncIterator[RawClient]:
    """A raw TCP connection to the broker, closed at the end whatever happens."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        yield RawClient(reader, writer)
    finally:
        writer.transport.abort()


async def connect_raw(
    port: int, client_id: str, username: str, password: str, **options: object
) -> tuple[RawClient, bool, int]:
    """Open a connection and CONNECT; returns the client, session present and return code.

    The caller closes the client (`drop()` or DISCONNECT).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    client = RawClient(reader, writer)
    try:
        await client.send(connect_packet(client_id, username, password, **options))  # type: ignore[arg-type]
        present, code = await client.connack()
    except BaseException:
        client.drop()
        raise
    return client, present, code


async def takes_over(
    port: int,
    connected: list[tuple[RawClient, bool, int]],
    client_id: str,
    username: str,
    password: str,
) -> None:
    """CONNECT with the client id `connected[0]` holds: it is let in and `connected[0]` closed.

    Every connection (the new one too) is dropped at the end.
    """
    try:
        client, _, code = await connect_raw(port, client_id, username, password)
        connected.append((client, False, code))
        assert code == ACCEPTED, "the connection it replaces gives its place"
        assert await connected[0][0].closed_by_server(timeout=5)
    finally:
        for held, _, _ in connected:
            held.drop()


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait until `condition()` holds (state changed by another thread's event loop)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)
