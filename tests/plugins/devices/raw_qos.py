"""A raw MQTT client for publishing: exactly the QoS 1/2 packets a test names (DUP, ids)."""

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.plugins.devices.helpers import telemetry
from tests.plugins.devices.raw_packets import (
    RawClient,
    _string,
    connect_packet,
    remaining_length,
)

CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 2, 3, 4, 5, 6, 7


def packet(kind: int, flags: int, body: bytes) -> bytes:
    """One packet: fixed header (type, flags, remaining length) and body."""
    return bytes([kind << 4 | flags]) + remaining_length(len(body)) + body


class QosClient(RawClient):
    """A raw connection that publishes with exact QoS flags and reads packets by type."""

    async def publish(
        self, topic: str, payload: bytes, *, qos: int, packet_id: int = 1, dup: bool = False
    ) -> None:
        """A PUBLISH with the given QoS, packet id and DUP flag."""
        flags = (0x08 if dup else 0) | qos << 1
        ident = struct.pack(">H", packet_id) if qos else b""
        await self.send(packet(PUBLISH, flags, _string(topic) + ident + payload))

    async def pubrel(self, packet_id: int) -> None:
        """Release a QoS 2 message."""
        await self.send(packet(PUBREL, 0x02, struct.pack(">H", packet_id)))

    async def read(self, timeout: float = 5) -> tuple[int, bytes]:
        """The next packet's type and body."""
        first, body = await self.read_packet(timeout)
        return first >> 4, body

    async def expect(self, kind: int, packet_id: int) -> None:
        """Read one packet and check it is `kind` for `packet_id`."""
        got, body = await self.read()
        assert (got, struct.unpack(">H", body[:2])[0]) == (kind, packet_id), (got, body)


def publishes(device: str, values: list[int], *, first_id: int = 1) -> bytes:
    """QoS 1 telemetry PUBLISHes of one heart-rate reading each, packet ids from `first_id`."""
    topic = _string(f"devices/{device}/telemetry")
    return b"".join(
        packet(
            PUBLISH,
            0x02,
            topic + struct.pack(">H", first_id + n) + telemetry(("heart_rate", value, "bpm")),
        )
        for n, value in enumerate(values)
    )


@asynccontextmanager
async def raw_connection(
    port: int, username: str, password: str, client_id: str, *, clean: bool = True
) -> AsyncIterator[QosClient]:
    """A signed-in connection (CONNACK checked); the socket is closed without DISCONNECT."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    client = QosClient(reader, writer)
    try:
        await client.send(connect_packet(client_id, username, password, clean=clean))
        kind, answer = await client.read()
        assert (kind, answer[1]) == (CONNACK, 0), (kind, answer)
        yield client
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):  # the server may be gone (a kill test)
            await writer.wait_closed()
