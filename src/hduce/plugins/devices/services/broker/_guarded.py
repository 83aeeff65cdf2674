"""amqtt's broker, checking a CONNECT completely before it touches any session or slot."""

import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from amqtt.adapters import BufferReader
from amqtt.errors import AMQTTError, MQTTError, NoDataError
from amqtt.mqtt.connack import (
    IDENTIFIER_REJECTED,
    NOT_AUTHORIZED,
    SERVER_UNAVAILABLE,
    UNACCEPTABLE_PROTOCOL_VERSION,
    ConnackPacket,
)
from amqtt.mqtt.packet import MQTTFixedHeader
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.session import Session

from hduce.plugins.devices.services._acl import will_allowed
from hduce.plugins.devices.services._credentials import uuid_of
from hduce.plugins.devices.services.broker._amqtt_plugins import KIND
from hduce.plugins.devices.services.broker._connect_guard import ConnectGuard
from hduce.plugins.devices.services.broker._handshakes import GONE
from hduce.plugins.devices.services.broker._invalid_topics import InvalidTopicsHandled
from hduce.plugins.devices.services.broker._packet_limits import SizeCappedReader
from hduce.plugins.devices.services.broker._protocol import DeviceProtocolHandler
from hduce.plugins.devices.services.broker._retained import RetainedThroughAcl
from hduce.plugins.devices.services.broker._routing import BoundedRouting
from hduce.plugins.devices.services.broker._session_limits import BoundedSessions
from hduce.plugins.devices.services.broker._sessions import BoundSessions
from hduce.plugins.devices.services.broker._telemetry_will import TelemetryWills
from hduce.plugins.devices.services.broker._turns import ClientIdTurns
from hduce.plugins.devices.services.broker._wire_rules import (
    Malformed,
    OtherVersion,
    check_connect,
)

DeviceIds = Callable[[str], Awaitable[bool]]
"""Whether a client id is a registered device's id (as the device signs in with it)."""


class SignedInOnlyBroker(
    ConnectGuard,
    InvalidTopicsHandled,
    RetainedThroughAcl,
    TelemetryWills,
    BoundedSessions,
    BoundSessions,
    BoundedRouting,
):
    """A broker where a client that is not fully allowed in never reaches a session.

    amqtt 0.12.1 looks the CONNECT's client id up before authenticating: a clean session deletes
    the connected client's session (its subscriptions), a persistent one has its credentials
    overwritten and is then taken over, so anyone who knows a device's client id could knock
    it off with a wrong password. This copy of `_initialize_client_session` (amqtt pinned to
    0.12.1) reads the CONNECT whole and closes a malformed one unanswered (`check_connect`;
    amqtt would wait for a CONNECT after any other first packet), then refuses, in order: a
    failed sign-in and a will the publish ACL forbids ("not authorized"), a client id bound to
    another identity ("identifier rejected"); then, one connection per client id at a time until
    amqtt serves it (`ClientIdTurns`), it takes the client id over from a connection
    still holding it, and refuses an identity holding `max_sessions_per_identity` connections
    or a full broker ("server unavailable", `take_slot`); only then does it pick
    the session. The second sign-in check in `_handle_client_session` is answered
    by the sign-in plugin from the session.
    """

    def __init__(self, *args: Any, device_ids: DeviceIds | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.turns = ClientIdTurns()
        self._device_ids = device_ids

    async def _handle_client_session(
        self,
        reader: Any,
        writer: Any,
        client_session: Session,
        handler: BrokerProtocolHandler,
        server: Any,
        listener_name: str,
    ) -> None:
        """Serve as amqtt does; a connection that ends before it is served ends its turn too."""
        try:
            await super()._handle_client_session(
                reader, writer, client_session, handler, server, listener_name
            )
        finally:
            self.turns.end_turn(handler)

    async def _initialize_client_session(
        self, reader: Any, writer: Any, remote_address: str, remote_port: int
    ) -> tuple[BrokerProtocolHandler, Session]:
        where = f"{remote_address}:{remote_port}"
        try:
            connect = BufferReader(await self._checked_connect(reader, writer))
            handler, session = await DeviceProtocolHandler.init_from_connect(
                connect, writer, self.plugins_manager
            )
            handler.on_refusal = self._refused
            handler.packet_rate = self.limits.max_packet_rate
            handler.max_filters = self.limits.max_subscriptions
            handler.receive_maximum = self.limits.receive_maximum
        except MQTTError as exc:
            self.logger.warning("invalid connection from %s: %s", where, exc)
            with contextlib.suppress(*GONE):
                await writer.close()
            raise MQTTError(exc) from exc
        except NoDataError as exc:  # a TCP health probe or a port scan: nothing to warn about
            self.logger.debug("no CONNECT from %s: %s", where, exc)
            raise AMQTTError(exc) from exc
        except AMQTTError as exc:
            self.logger.warning("no CONNECT from %s: %s", where, exc)
            raise AMQTTError(exc) from exc
        refusal = await self._refusal(session)
        try:
            if refusal is None:
                await self._take_turn(session, handler)
                await self._take_over(session)  # first: the slot it frees is this client's own
                if not self.take_slot(session.username or ""):
                    refusal = SERVER_UNAVAILABLE
            if refusal is not None:
                handler.attach(session, reader, writer)
                # The client may have left without waiting (uvloop: RuntimeError, handler closed;
                # a reset before the close: OSError ENOTCONN from the socket's shutdown);
                # written straight to the stream: amqtt's sender would warn of that each time.
                with contextlib.suppress(*GONE, OSError, RuntimeError):
                    await ConnackPacket.build(0, refusal).to_stream(writer)
                    await writer.close()
                raise MQTTError(f"{where} refused (CONNACK return code {refusal})")
        except BaseException:
            self.turns.end_turn(handler)
            raise
        try:
            return handler, await self._session_for(session)
        except BaseException:
            self.turns.end_turn(handler)
            self.release_slot(session.username or "")
            raise

    async def _take_turn(self, session: Session, handler: DeviceProtocolHandler) -> None:
        """Wait for a racing CONNECT with this client id to be registered (`ClientIdTurns`)."""
        if session.client_id:  # an empty one is given a fresh id: nobody to race with
            await self.turns.wait_turn(session.client_id, handler)
            handler.end_turn = functools.partial(self.turns.end_turn, handler)

    async def _checked_connect(self, reader: SizeCappedReader, writer: Any) -> bytes:
        """The first packet, read whole and checked (`check_connect`); amqtt decodes these bytes.

        An MQTT 3.1 CONNECT is answered "unacceptable protocol version" on `writer`.
        """
        packet = await reader.read_packet()
        if packet is None:
            raise NoDataError("the connection closed before its CONNECT")
        first, body = packet
        try:
            check_connect(first, body)
        except Malformed as exc:
            self._refused("protocol_violation")
            raise MQTTError(str(exc)) from exc
        except OtherVersion as exc:
            with contextlib.suppress(*GONE, OSError, RuntimeError):
                await ConnackPacket.build(0, UNACCEPTABLE_PROTOCOL_VERSION).to_stream(writer)
            raise MQTTError(str(exc)) from exc
        return MQTTFixedHeader(first >> 4, first & 0x0F, len(body)).to_bytes() + body

    async def _take_over(self, session: Session) -> None:
        """End the connection the client id is connected on now, if any ([MQTT-3.1.4-2]).

        amqtt 0.12.1 leaves it open when the new CONNECT asks for a clean session (both then
        serve the client, and the old one's end later disconnects the shared state), and for a
        persistent one lets the old connection's end mark the resumed session disconnected.
        The old connection ends as a drop (its will goes out) before the new one is set up.
        """
        stored, connection = self._sessions.get(session.client_id or "", (None, None))
        if stored is not None and connection is not None and stored.transitions.is_connected():
            self.logger.info("MQTT %s: client id %s taken over", session.username, stored.client_id)
            await self.end_connection(connection)

    async def _refusal(self, session: Session) -> int | None:
        """The CONNACK return code refusing this CONNECT, or None to let it in."""
        if not await self._authenticate(session, self.listeners_config["default"]):
            return NOT_AUTHORIZED
        if session.will_flag and not will_allowed(
            getattr(session, KIND, None),
            session.username or "",
            session.will_topic or "",
            session.will_qos or 0,
            bool(session.will_retain),
        ):
            self.logger.info("MQTT %s: will on %s refused", session.username, session.will_topic)
            return NOT_AUTHORIZED
        if self.bound_elsewhere(session) or await self._another_devices_id(session):
            self.logger.info(
                "MQTT %s: client id %s is not theirs", session.username, session.client_id
            )
            return IDENTIFIER_REJECTED
        return None

    async def _another_devices_id(self, session: Session) -> bool:
        """Whether the client id is the id of a device other than the client itself.

        A device's id is its client id alone: another client holding it with a persistent
        session (even before the device first connects, or after a restart) would otherwise
        shut the device out until the session expired. Any spelling of the id is the device's.
        """
        client_id = session.client_id or ""
        if self._device_ids is None or uuid_of(client_id) == uuid_of(session.username or ""):
            return False
        return await self._device_ids(client_id)
