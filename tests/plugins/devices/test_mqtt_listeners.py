"""The optional MQTT listeners: TLS and WebSocket, each with a real client."""

import asyncio
import logging
import socket
import ssl
import struct
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import aiomqtt
import pytest
from websockets.asyncio.client import connect as websocket

from hduce.core.config import Settings
from hduce.plugins.devices import DevicesPlugin
from tests.plugins.devices.helpers import (
    devices_settings,
    eventually,
    refusals,
    register,
    telemetry,
)
from tests.plugins.devices.raw_packets import connect_packet, raw_connection
from tests.plugins.users.clinic import Clinic, Member, running_clinic
from tests.support.tls import self_signed

CONNECT_TIMEOUT = 2
UNAUTHENTICATED_PER_ADDRESS = 4


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate and key for the TLS listener."""
    cert, key = self_signed(tmp_path_factory.mktemp("tls"), "mqtt")
    return str(cert), str(key)


@pytest.fixture(scope="module")
async def clinic(settings: Settings, certificate: tuple[str, str]) -> AsyncIterator[Clinic]:
    """A clinic whose broker also listens over TLS and WebSocket (free ports)."""
    cert, key = certificate
    listeners = devices_settings(
        settings,
        tls_port=0,
        tls_cert=cert,
        tls_key=key,
        ws_port=0,
        connect_timeout=CONNECT_TIMEOUT,
        max_unauthenticated_per_address=UNAUTHENTICATED_PER_ADDRESS,
    )
    async with running_clinic(listeners) as running:
        yield running


def port_of(clinic: Clinic, listener: str) -> int:
    """The port a listener of the clinic's broker is bound to."""
    broker = clinic.client.app.plugins.get(DevicesPlugin).broker
    assert broker is not None
    return broker.ports[listener]


async def publish_one(client: aiomqtt.Client, device: str, value: float) -> None:
    """Sign in over `client` and send one reading."""
    async with client:
        await client.publish(f"devices/{device}/telemetry", telemetry(("spo2", value, "%")), qos=1)


async def test_a_device_publishes_over_tls(
    clinic: Clinic, admin: Member, certificate: tuple[str, str]
) -> None:
    device, secret = await register(clinic, admin)
    context = ssl.create_default_context(cafile=certificate[0])
    client = aiomqtt.Client(
        "127.0.0.1",
        port_of(clinic, "tls"),
        username=device,
        password=secret,
        tls_context=context,
        timeout=5,
    )
    await publish_one(client, device, 93.5)
    await eventually(
        clinic, "SELECT 1 FROM reading WHERE device = $1 AND value = 93.5", uuid.UUID(device)
    )


async def test_plain_mqtt_on_the_tls_port_is_not_served(clinic: Clinic, admin: Member) -> None:
    device, secret = await register(clinic, admin)
    client = aiomqtt.Client(
        "127.0.0.1", port_of(clinic, "tls"), username=device, password=secret, timeout=3
    )
    with pytest.raises(aiomqtt.MqttError):
        async with client:
            pass


@pytest.mark.parametrize("listener", ["tls", "ws"])
async def test_a_socket_that_never_completes_its_handshake_is_closed(
    clinic: Clinic, listener: str
) -> None:
    async with raw_connection(port_of(clinic, listener)) as silent:
        assert await silent.closed_by_server(timeout=CONNECT_TIMEOUT * 3)


@pytest.mark.parametrize("listener", ["tls", "ws"])
async def test_sockets_beyond_the_per_address_cap_are_closed_before_their_handshake(
    clinic: Clinic, listener: str
) -> None:
    port = port_of(clinic, listener)
    before = (await refusals(clinic))["refused_unauthenticated_cap"]
    async with AsyncExitStack() as stack:
        held = [
            await stack.enter_async_context(raw_connection(port))
            for _ in range(UNAUTHENTICATED_PER_ADDRESS)
        ]
        extra = await stack.enter_async_context(raw_connection(port))
        assert await extra.closed_by_server(timeout=CONNECT_TIMEOUT / 2), "before the deadline"
        assert all(client.still_open() for client in held)
    assert (await refusals(clinic))["refused_unauthenticated_cap"] == before + 1


async def refused_then_reset(port: int, listener: str, cafile: str) -> None:
    """CONNECT with a wrong password, then drop the connection at once (a reset for TCP)."""
    connect = connect_packet(f"nobody-{uuid.uuid4().hex[:6]}", str(uuid.uuid4()), "wrong")
    if listener == "ws":
        async with websocket(f"ws://127.0.0.1:{port}/mqtt", subprotocols=["mqtt"]) as client:
            await client.send(connect)
        return
    context = ssl.create_default_context(cafile=cafile) if listener == "tls" else None
    _reader, writer = await opened_under_the_cap(port, context)
    linger = struct.pack("ii", 1, 0)  # closing sends a reset
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    writer.write(connect)
    await writer.drain()
    writer.transport.abort()


async def opened_under_the_cap(
    port: int, context: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection, once the server has let go of the earlier ones from this address.

    Under load the server may not yet have seen the last resets when the next connection comes:
    this module's cap (`UNAUTHENTICATED_PER_ADDRESS`) then closes it in its TLS handshake.
    """
    for _ in range(50):
        try:
            return await asyncio.open_connection("127.0.0.1", port, ssl=context)
        except ConnectionResetError:
            await asyncio.sleep(0.1)
    return await asyncio.open_connection("127.0.0.1", port, ssl=context)


@pytest.mark.parametrize("listener", ["default", "tls", "ws"])
async def test_a_refused_connect_then_a_reset_logs_no_error(
    clinic: Clinic,
    listener: str,
    certificate: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = port_of(clinic, listener)
    for _ in range(10):
        await refused_then_reset(port, listener, certificate[0])
    async with raw_connection(port):  # nor a socket that closes before any handshake
        pass
    await asyncio.sleep(1)
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []
    # Nor a warning per refusal: a client that left is not the server's trouble.
    unhandled = [r.getMessage() for r in caplog.records if "Unhandled exception" in r.getMessage()]
    assert unhandled == []


async def test_a_browser_app_connects_over_websocket(clinic: Clinic, admin: Member) -> None:
    device, secret = await register(clinic, admin)
    client = aiomqtt.Client(
        "127.0.0.1",
        port_of(clinic, "ws"),
        username=device,
        password=secret,
        transport="websockets",
        websocket_path="/mqtt",
        timeout=5,
    )
    await publish_one(client, device, 94.5)
    await eventually(
        clinic, "SELECT 1 FROM reading WHERE device = $1 AND value = 94.5", uuid.UUID(device)
    )
