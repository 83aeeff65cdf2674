"""Admission of MQTT sockets: a CONNECT deadline, a cap per address, slots after sign-in."""

import asyncio
import contextlib
import functools
import logging
import ssl
from collections import Counter
from dataclasses import dataclass
from typing import Any

from amqtt.adapters import ReaderAdapter, WriterAdapter
from amqtt.broker import Broker
from amqtt.contexts import ListenerType
from amqtt.errors import AMQTTError, MQTTError, NoDataError

from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.devices.services.broker._handshakes import (
    GONE,
    AddressCap,
    serve_tls,
    serve_websocket,
)
from hduce.plugins.devices.services.broker._packet_limits import PacketTooLarge, SizeCappedReader

logger = logging.getLogger("hduce.devices")
REFUSALS = (
    "connect_timeout",
    "unauthenticated_cap",
    "server_full",
    "identity_cap",
    "packet_too_large",
    "protocol_violation",
    "too_many_filters",
    "too_many_unreleased",
)
"""Why the broker closed sockets, counted (shown in the health check)."""
SIGN_IN_CLOSE_SECONDS = 1.0
"""How long a stopping broker waits for the handlers of the sockets it closed before sign-in."""
TAKE_OVER_SECONDS = 2.0
"""How long a new connection waits for the one it takes over to end (its will, its session)."""


@dataclass(frozen=True)
class BrokerLimits:
    """How the broker admits sockets and what one client may hold (see `DevicesConfig`)."""

    connect_timeout: float
    max_connections: int
    unauthenticated_per_address: int
    max_packet_size: int
    max_subscriptions: int
    receive_maximum: int
    max_queued_messages: int
    max_sessions_per_identity: int
    max_packet_rate: float

    @classmethod
    def of(cls, config: DevicesConfig) -> "BrokerLimits":
        """The limits set in the devices config."""
        return cls(
            connect_timeout=float(config.connect_timeout),
            max_connections=config.max_connections,
            unauthenticated_per_address=config.max_unauthenticated_per_address,
            max_packet_size=config.max_packet_size,
            max_subscriptions=config.max_subscriptions,
            receive_maximum=config.receive_maximum,
            max_queued_messages=config.max_queued_messages,
            max_sessions_per_identity=config.max_sessions_per_identity,
            max_packet_rate=config.max_packet_rate,
        )


class ConnectGuard(Broker):
    """A broker where silent or oversized sockets cannot lock signed-in clients out.

    amqtt 0.12.1 takes a `max_connections` slot when a socket opens and waits for its CONNECT
    for ever, so `max_connections` silent sockets lock every device out without a credential,
    and it reads every packet whole. This copy of `_client_connected` bounds the wait for a
    signed-in CONNECT, caps the sockets of one address that have not signed in yet, reads through
    `SizeCappedReader`, and counts slots for signed-in clients only (`take_slot`, called by
    `_initialize_client_session` once the client is known). One identity (a device, a user's
    apps) holds at most `max_sessions_per_identity` of them: with a fresh client id for each
    CONNECT, one patient's access token took every slot and locked every device out.
    """

    def __init__(self, config: dict[str, Any], *, limits: BrokerLimits) -> None:
        super().__init__(config)
        self.limits = limits
        self.refusals: Counter[str] = Counter(dict.fromkeys(REFUSALS, 0))
        over_cap = functools.partial(self._refused, "unauthenticated_cap")
        self._unauthenticated = AddressCap(limits.unauthenticated_per_address, over_cap)
        self._signing_in: dict[WriterAdapter, asyncio.Task[Any] | None] = {}
        self._serving: dict[Any, asyncio.Task[Any] | None] = {}  # signed-in handler -> its task
        self._slots_taken = 0
        self._slots_of: Counter[str] = Counter()
        """Per identity (username): the slots its connections hold."""

    def take_slot(self, identity: str) -> bool:
        """Count one more signed-in connection of `identity`, unless it or the broker is full."""
        if self._slots_of[identity] >= self.limits.max_sessions_per_identity:
            self.refusals["identity_cap"] += 1
            logger.info("MQTT %s: refused, it holds its most connections", identity)
            return False
        if self._slots_taken >= self.limits.max_connections:
            self.refusals["server_full"] += 1
            return False
        self._slots_taken += 1
        self._slots_of[identity] += 1
        return True

    def release_slot(self, identity: str) -> None:
        """A signed-in connection of `identity` ended."""
        self._slots_taken -= 1
        self._slots_of[identity] -= 1
        if not self._slots_of[identity]:
            del self._slots_of[identity]

    async def end_connection(self, handler: Any) -> None:
        """Close a signed-in connection as a drop; wait `TAKE_OVER_SECONDS` at most for its end."""
        task = self._serving.get(handler)
        await handler.handle_connection_closed()
        if task is not None and task is not asyncio.current_task():
            await asyncio.wait([task], timeout=TAKE_OVER_SECONDS)

    async def shutdown(self) -> None:
        """Stop as amqtt does, then close the sockets still signing in and let them end.

        amqtt knows only sessions: a handler waiting for a CONNECT was left to the end of the
        event loop, which cancelled it (and Python 3.11 logged each as an error).
        """
        await super().shutdown()
        handlers = [task for task in self._signing_in.values() if task is not None]
        for writer in list(self._signing_in):
            await _close(writer)
        if handlers:
            await asyncio.wait(handlers, timeout=SIGN_IN_CLOSE_SECONDS)

    async def _client_connected(
        self, listener_name: str, reader: ReaderAdapter, writer: WriterAdapter
    ) -> None:
        peer = writer.get_peer_info()
        if listener_name not in self._servers or peer is None:
            await _close(writer)
            return
        address, port = peer
        if not self._unauthenticated.enter(address):
            await _close(writer)
            return
        self._signing_in[writer] = asyncio.current_task()
        capped = SizeCappedReader(reader, self.limits.max_packet_size, self._too_large)
        try:
            async with asyncio.timeout(self.limits.connect_timeout):
                handler, session = await self._initialize_client_session(
                    capped, writer, address, port
                )
        except (TimeoutError, PacketTooLarge, AMQTTError, MQTTError, NoDataError, *GONE) as exc:
            if isinstance(exc, TimeoutError):
                self.refusals["connect_timeout"] += 1
            logger.debug("MQTT socket from %s:%s closed before sign-in: %r", address, port, exc)
            await _close(writer)
            return
        finally:
            del self._signing_in[writer]
            self._unauthenticated.leave(address)
        self._serving[handler] = asyncio.current_task()
        try:
            await self._handle_client_session(
                capped, writer, session, handler, self._servers[listener_name], listener_name
            )
        except (AMQTTError, MQTTError, NoDataError, *GONE) as exc:
            logger.warning("MQTT session of %s ended with an error: %s", session.client_id, exc)
        finally:
            del self._serving[handler]
            self.release_slot(session.username or "")

    async def _create_server_instance(
        self,
        listener_name: str,
        listener_type: ListenerType,
        address: str | None,
        port: int,
        ssl_context: ssl.SSLContext | None,
    ) -> Any:
        """A listener as amqtt makes it; TLS and WebSocket ones count sockets from their accept.

        The handshake comes before amqtt sees the socket, so `_client_connected` can neither
        bound it (asyncio waits 60 s for a TLS handshake, websockets 10 s for its opening) nor
        count it against the per-address cap: `_handshakes` does both.
        """
        cap, deadline = self._unauthenticated, self.limits.connect_timeout
        if listener_type == ListenerType.TCP and ssl_context is not None:
            connected = functools.partial(self.stream_connected, listener_name=listener_name)
            return await serve_tls(
                connected, address, port, ssl_context, cap=cap, deadline=deadline
            )
        if listener_type == ListenerType.WS:
            opened = functools.partial(self.ws_connected, listener_name=listener_name)
            return await serve_websocket(
                opened, address, port, ssl_context, cap=cap, deadline=deadline
            )
        return await super()._create_server_instance(
            listener_name, listener_type, address, port, ssl_context
        )

    def _refused(self, reason: str) -> None:
        self.refusals[reason] += 1

    def _too_large(self) -> None:
        self._refused("packet_too_large")


async def _close(writer: WriterAdapter) -> None:
    with contextlib.suppress(Exception):
        await writer.close()
