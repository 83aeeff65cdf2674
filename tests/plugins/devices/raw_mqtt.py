"""A bare MQTT 3.1.1 client over a socket, for what real clients hide: DUP, unacked, silence."""

import asyncio
import contextlib
import struct
from dataclasses import dataclass
from typing import Self

from tests.plugins.devices.raw_packets import (
    DISCONNECT,
    Will,
    connect_packet,
    packet,
    subscribe_packet,
)

CONNACK, PUBLISH, PUBACK, SUBACK, PINGRESP = 2, 3, 4, 9, 13


@dataclass(frozen=True)
class Packet:
    """One packet read from the broker: its type, the flags nibble and the body."""

    kind: int
    flags: int
    body: bytes

    @property
    def dup(self) -> bool:
        """The DUP flag of a PUBLISH."""
        return bool(self.flags & 0x08)

    @property
    def qos(self) -> int:
        """The QoS of a PUBLISH."""
        return (self.flags >> 1) & 0x03

    @property
    def retain(self) -> bool:
        """The RETAIN flag of a PUBLISH."""
        return bool(self.flags & 0x01)

    def publish(self) -> tuple[str, int | None, bytes]:
        """Topic, packet id (None at QoS 0) and payload of a PUBLISH."""
        (size,) = struct.unpack("!H", self.body[:2])
        topic, rest = self.body[2 : 2 + size].decode(), self.body[2 + size :]
        if self.qos == 0:
            return topic, None, rest
        return topic, struct.unpack("!H", rest[:2])[0], rest[2:]


class RawMqtt:
    """One TCP connection speaking MQTT by hand; the caller acknowledges (or not)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(
        cls,
        port: int,
        client_id: str,
        username: str,
        password: str,
        *,
        clean: bool = True,
        keepalive: int = 60,
        will: Will | None = None,
    ) -> tuple[Self, Packet]:
        """Open a connection and send CONNECT; returns the client and the CONNACK."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(reader, writer)
        await client.send(
            connect_packet(
                client_id, username, password, clean=clean, will=will, keep_alive=keepalive
            )
        )
        connack = await client.read()
        assert connack.kind == CONNACK, connack
        return client, connack

    async def send(self, data: bytes) -> None:
        """Write raw bytes."""
        self.writer.write(data)
        await self.writer.drain()

    async def read(self, timeout: float = 5) -> Packet:
        """The next packet; `IncompleteReadError` once the broker closed the connection."""
        async with asyncio.timeout(timeout):
            first = await self.reader.readexactly(1)
            length, shift = 0, 0
            while True:
                (digit,) = await self.reader.readexactly(1)
                length += (digit & 0x7F) << shift
                shift += 7
                if not digit & 0x80:
                    break
            body = await self.reader.readexactly(length)
        return Packet(first[0] >> 4, first[0] & 0x0F, body)

    async def subscribe(self, topic_filter: str, qos: int, packet_id: int = 1) -> int:
        """Subscribe; returns the granted QoS (0x80: refused)."""
        await self.send(subscribe_packet(topic_filter, qos=qos, packet_id=packet_id))
        suback = await self.read()
        assert suback.kind == SUBACK, suback
        return suback.body[-1]

    async def puback(self, packet_id: int) -> None:
        """Acknowledge a QoS 1 PUBLISH."""
        await self.send(packet(0x40, struct.pack("!H", packet_id)))

    async def disconnect(self) -> None:
        """Send DISCONNECT and close."""
        await self.send(DISCONNECT)
        await self.close()

    async def close(self) -> None:
        """Close the socket without DISCONNECT (a dropped connection)."""
        self.writer.close()
        with contextlib.suppress(ConnectionError):  # the broker may have closed it first
            await self.writer.wait_closed()

    async def closed_by_broker(self, timeout: float) -> bool:
        """Whether the broker closes the connection within `timeout` seconds (no packets sent)."""
        try:
            while True:
                await self.read(timeout)
        except (asyncio.IncompleteReadError, ConnectionError):
            return True
        except TimeoutError:
            return False
