"""The TLS and WebSocket listeners: sockets counted per address from their accept, quiet logs.

asyncio finishes a TLS handshake and websockets an HTTP upgrade before amqtt sees the socket, so
a cap counted from there let one address hold any number of sockets in their handshake until
the deadline. Here each accepted socket is counted at once (`AddressCap`), one over the cap is
closed before its handshake, and the count passes to amqtt's own (`ConnectGuard`) when the
handshake ends.
"""

import asyncio
import logging
import socket
import ssl
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import websockets
from websockets.asyncio.server import Server, ServerConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake

logger = logging.getLogger("hduce.devices")
GONE = (ConnectionError, ConnectionClosed)
"""What reading from or writing to a socket its client dropped raises."""
_CLIENT_FAULTS = (*GONE, EOFError, TimeoutError, InvalidHandshake)


class AddressCap:
    """Sockets of each address that have not signed in yet (in a handshake or before CONNECT)."""

    def __init__(self, limit: int, refused: Callable[[], None]) -> None:
        self._limit = limit
        self._refused = refused
        self._held: Counter[str] = Counter()

    def enter(self, address: str) -> bool:
        """Count one more socket of `address`; False (and counted refused) when it has `limit`."""
        if self._held[address] >= self._limit:
            self._refused()
            return False
        self._held[address] += 1
        return True

    def leave(self, address: str) -> None:
        """A socket of `address` signed in or closed."""
        self._held[address] -= 1
        if not self._held[address]:
            del self._held[address]


def _address(transport: Any) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if peer else ""


class TlsListener:
    """A TCP listener that counts each socket at its accept, then does its TLS handshake.

    asyncio's and uvloop's TLS servers hand a socket over only after its handshake, and uvloop
    cannot `start_tls` on the server side: sockets are accepted here and handed to
    `connect_accepted_socket` (TLS within `deadline`). Closed as an `asyncio.Server` is.
    """

    def __init__(
        self,
        listening: socket.socket,
        connected: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
        context: ssl.SSLContext,
        *,
        cap: AddressCap,
        deadline: float,
    ) -> None:
        self.sockets = [listening]
        self._connected, self._context = connected, context
        self._cap, self._deadline = cap, deadline
        self._tasks: set[asyncio.Task[None]] = set()
        self._accepting = asyncio.create_task(self._accept(listening), name="hduce-mqtt-tls")

    def close(self) -> None:
        """Stop accepting (connections already made go on)."""
        self._accepting.cancel()
        self.sockets[0].close()

    async def wait_closed(self) -> None:
        """Wait for the accept loop to end."""
        await asyncio.gather(self._accepting, return_exceptions=True)

    async def _accept(self, listening: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                accepted, peer = await loop.sock_accept(listening)
            except OSError as exc:  # out of file descriptors: let some close
                logger.warning("MQTT TLS listener: accept failed: %s", exc)
                await asyncio.sleep(0.1)
                continue
            address = str(peer[0]) if peer else ""
            if not self._cap.enter(address):
                accepted.close()
                continue
            task = asyncio.create_task(self._handshake(accepted, address))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handshake(self, accepted: socket.socket, address: str) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        protocol = asyncio.StreamReaderProtocol(reader)
        try:
            transport, _ = await loop.connect_accepted_socket(
                lambda: protocol, accepted, ssl=self._context, ssl_handshake_timeout=self._deadline
            )
        except (OSError, TimeoutError) as exc:  # ssl.SSLError is an OSError
            logger.debug("MQTT TLS handshake with %s failed: %r", address, exc)
            accepted.close()
            return
        finally:
            self._cap.leave(address)
        await self._connected(reader, asyncio.StreamWriter(transport, protocol, reader, loop))


async def serve_tls(
    connected: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    host: str | None,
    port: int,
    context: ssl.SSLContext,
    *,
    cap: AddressCap,
    deadline: float,
) -> TlsListener:
    """A `TlsListener` bound to `host`:`port` (every address when `host` is None)."""
    loop = asyncio.get_running_loop()
    found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _type, _proto, _name, address = found[0]
    listening = socket.create_server(address[:2], family=family, backlog=100)
    listening.setblocking(False)
    return TlsListener(listening, connected, context, cap=cap, deadline=deadline)


class CountedConnection(ServerConnection):
    """A WebSocket connection counted in `cap` from its accept until its upgrade or its end."""

    cap: AddressCap
    _counted: str | None = None

    @classmethod
    def counting(cls, cap: AddressCap) -> type["CountedConnection"]:
        """This class, counting in `cap`."""
        return type(cls.__name__, (cls,), {"cap": cap})

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Count the socket, or close it at once when its address has the most allowed."""
        super().connection_made(transport)
        address = _address(transport)
        if self.cap.enter(address):
            self._counted = address
        else:
            transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        """Uncount a socket that ends before its upgrade."""
        self.upgraded()
        super().connection_lost(exc)

    def upgraded(self) -> None:
        """The handshake is over: amqtt counts the socket from here."""
        if self._counted is not None:
            self.cap.leave(self._counted)
            self._counted = None


class HandshakeLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """websockets' logger, a client's dropped or garbled connection on one DEBUG line.

    websockets logs those as ERROR tracebacks, and anyone can open a socket and close it.
    """

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Log as asked, but a client's fault at DEBUG without its traceback."""
        raised = kwargs.get("exc_info")
        if raised is True:
            raised = sys.exc_info()[1]
        if level >= logging.ERROR and isinstance(raised, _CLIENT_FAULTS):
            level, kwargs["exc_info"] = logging.DEBUG, None
            msg = f"{msg}: {raised!r}"
        super().log(level, msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        """Leave websockets' `extra` (the connection) as it is."""
        return msg, kwargs


async def serve_websocket(
    connected: Callable[[ServerConnection], Awaitable[None]],
    host: str | None,
    port: int,
    context: ssl.SSLContext | None,
    *,
    cap: AddressCap,
    deadline: float,
) -> Server:
    """A WebSocket listener (subprotocol `mqtt`) counting each socket from its accept."""

    async def upgraded(connection: ServerConnection) -> None:
        assert isinstance(connection, CountedConnection)
        connection.upgraded()
        await connected(connection)

    return await websockets.serve(
        upgraded,
        host,
        port,
        ssl=context,
        subprotocols=[websockets.Subprotocol("mqtt")],
        open_timeout=deadline,
        create_connection=CountedConnection.counting(cap),
        logger=HandshakeLog(logging.getLogger("websockets.server")),
    )
