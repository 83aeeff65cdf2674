"""The embedded amqtt broker of the web process (`DeviceBroker`), built from amqtt 0.12.1.

Each module holds one documented override of amqtt, named after what it guarantees:
- admission: `_connect_guard` (CONNECT deadline, per-address cap, slots after sign-in),
  `_packet_limits` (oversized packets refused from their header), `_guarded` (a CONNECT fully
  checked before it touches a session; a client id taken over), `_sessions` (sessions bound to
  their identity), `_session_limits` (filters and offline messages per client);
- per connection (`_protocol` combines them): `_reader` (whole packets checked against
  `_wire_rules`, telemetry taken in place), `_inbound` (telemetry durable before its
  acknowledgement), `_exactly_once` (incoming QoS 2), `_outbound` (granted QoS, RETAIN, QoS 1
  kept until acknowledged), `_keepalive` (silent clients dropped);
- topics: `_retained`, `_invalid_topics` and `_routing` (filters indexed, a bounded queue);
- amqtt plugins loaded by dotted path: `_amqtt_plugins` (sign-in, ACL, telemetry hook) and
  `_presence_hooks`; `_listeners` turns the settings into amqtt's listeners.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from amqtt.errors import BrokerError
from amqtt.session import Session

from hduce.core.lifecycle import cancel_until_done
from hduce.core.registry import HealthStatus
from hduce.core.supervision import Supervisor
from hduce.plugins.devices.config import DevicesConfig
from hduce.plugins.devices.services._credentials import ClientKind, MqttSignIn
from hduce.plugins.devices.services._ingest import TelemetryIngest
from hduce.plugins.devices.services._presence import DevicePresence
from hduce.plugins.devices.services.broker._amqtt_plugins import KIND
from hduce.plugins.devices.services.broker._connect_guard import REFUSALS, BrokerLimits
from hduce.plugins.devices.services.broker._guarded import SignedInOnlyBroker
from hduce.plugins.devices.services.broker._keepalive import CLOSED_BY_SERVER, ENDED_BY
from hduce.plugins.devices.services.broker._listeners import DEFAULT, bound_port, listeners

logger = logging.getLogger("hduce.devices")
WRITER_STOP_SECONDS = 30.0
TELEMETRY_WRITER = "telemetry-writer"
TOKEN_RECHECK_SECONDS = 1.0
"""How often a connected app's access token is checked for revocation (a cached lookup)."""
_PLUGINS = "hduce.plugins.devices.services.broker._amqtt_plugins"


class MqttUnavailable(RuntimeError):
    """The MQTT listener could not start (typically: the port is taken)."""


@dataclass(eq=False)
class DeviceBroker:
    """Runs amqtt on the app's event loop; delivers pushes to its connected clients."""

    config: DevicesConfig
    sign_in: MqttSignIn
    ingest: TelemetryIngest
    presence: DevicePresence
    supervisor: Supervisor
    ports: dict[str, int] = field(default_factory=dict, init=False)
    """Listener name (`default`, `tls`, `ws`) → the port it is bound to, while running."""
    _broker: SignedInOnlyBroker | None = field(default=None, init=False)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set, init=False)
    """Token expiries and kicks in flight (cancelled when the broker stops)."""

    def _amqtt_config(self) -> dict[str, Any]:
        return {
            "listeners": listeners(self.config),
            "session_expiry_interval": int(self.config.session_expiry),
            # Replaces amqtt's defaults (anonymous sign-in, packet logger, $SYS topics).
            "plugins": {
                f"{_PLUGINS}.SignInPlugin": {
                    "identify": self.sign_in.identify,
                    "expire": self._expire_at,
                },
                f"{_PLUGINS}.TopicAclPlugin": {},
                f"{_PLUGINS}.TelemetryHookPlugin": {"ingest": self.ingest},
                "hduce.plugins.devices.services.broker._presence_hooks.PresenceHookPlugin": {
                    "presence": self.presence
                },
            },
        }

    @asynccontextmanager
    async def running(self) -> AsyncIterator["DeviceBroker"]:
        """Listen for MQTT and write telemetry until the block ends; then flush and stop."""
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        config = self.config
        amqtt_config = self._amqtt_config()
        self.ingest.open()  # before the listener: replay first, and fail if another holds it
        try:
            broker = SignedInOnlyBroker(
                amqtt_config, limits=BrokerLimits.of(config), device_ids=self.sign_in.is_device_id
            )
            await broker.start()
        except (BrokerError, FileNotFoundError, ValueError) as exc:
            self.ingest.close()
            where = ", ".join(listener["bind"] for listener in amqtt_config["listeners"].values())
            raise MqttUnavailable(
                f"cannot start the MQTT broker on {where} ({exc.__cause__ or exc}); free the "
                "ports or set plugins.devices.port (tls_port, ws_port, and readable tls_cert "
                "and tls_key files)"
            ) from exc
        # amqtt exposes no public bound address
        self.ports = {name: bound_port(s.instance) for name, s in broker._servers.items()}
        self.supervisor.start(TELEMETRY_WRITER, lambda _beat: self.ingest.run())
        self._broker = broker
        logger.info("MQTT broker listening on %s, ports %s", config.host, self.ports)
        try:
            yield self
        finally:
            self._broker = None
            for task in list(self._tasks):
                await cancel_until_done(task)
            try:
                await broker.shutdown()
            finally:
                # Let the writer store what is spooled, then end it.
                await self.supervisor.stop(
                    TELEMETRY_WRITER, grace=WRITER_STOP_SECONDS, drain=self.ingest.finish
                )
                self.ingest.close()
                self.ports = {}

    @property
    def port(self) -> int | None:
        """The plain MQTT port, while running."""
        return self.ports.get(DEFAULT)

    @property
    def listening(self) -> bool:
        """Whether the broker is running."""
        return self._broker is not None

    async def publish(self, topic: str, payload: bytes) -> None:
        """Deliver `payload` (QoS 1) to this broker's clients subscribed to `topic`."""
        if self._broker is None:
            raise ConnectionError("the MQTT broker is not running")
        await self._broker.push(topic, payload, qos=1)  # not behind clients' messages

    def _expire_at(self, session: Session, at: float) -> None:
        """Close `session` when its app's access token runs out (`at`, epoch s) or is revoked."""
        closing = self._close_when_token_ends(session, session.password, at)
        self._in_background(closing, "hduce-mqtt-token-expiry")

    def kick(self, username: str) -> None:
        """Close `username`'s live connections in the background (a notice from any process)."""
        self._in_background(self.disconnect(username), "hduce-mqtt-kick")

    def _in_background(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_when_token_ends(self, session: Session, token: str | None, at: float) -> None:
        while (remaining := at - time.time()) > 0:
            await asyncio.sleep(min(remaining, TOKEN_RECHECK_SECONDS))
            if token is None or not self.sign_in.token_still_valid(token):
                break
        if self._broker is None or session.password != token:
            return  # stopped, or the app signed in again with a newer token
        for known, handler in list(self._broker.sessions.values()):
            if known is session and known.transitions.state == "connected":
                logger.info("MQTT app %s: access token ended, disconnecting", session.username)
                with contextlib.suppress(Exception):
                    await handler.stop()

    async def disconnect(self, username: str) -> int:
        """Close every live connection signed in as `username` (any spelling of the id)."""
        wanted = _canonical(username)

        async def signed_in_as(session: Session) -> bool:
            return session.username == wanted  # sign-in made it the canonical id

        return await self._close_where(signed_in_as)

    async def recheck(self) -> int:
        """Close the device connections whose secret or activation no longer lets them in.

        Run when the kick notices flow again after a lost database connection: a rotation or a
        deactivation made meanwhile sent a notice nobody heard.
        """

        async def let_in_no_more(session: Session) -> bool:
            if getattr(session, KIND, None) is not ClientKind.DEVICE:
                return False  # apps: their access token is rechecked every second
            return await self.sign_in.identify(session.username, session.password or "") is None

        return await self._close_where(let_in_no_more)

    async def _close_where(self, ends: Callable[[Session], Awaitable[bool]]) -> int:
        if self._broker is None:
            return 0
        closed = 0
        for session, handler in list(self._broker.sessions.values()):
            if session.transitions.state == "connected" and await ends(session):
                session.attributes[ENDED_BY] = CLOSED_BY_SERVER
                with contextlib.suppress(Exception):
                    await handler.stop()
                closed += 1
        return closed

    def connected(self) -> int:
        """Signed-in clients connected right now (a refused client never gets a session)."""
        if self._broker is None:
            return 0
        sessions = self._broker.sessions.values()
        return sum(1 for session, _ in sessions if session.transitions.state == "connected")

    def _refusals(self) -> dict[str, int]:
        """Sockets closed before sign-in or refused at CONNECT, by reason."""
        counts = self._broker.refusals if self._broker is not None else {}
        return {f"refused_{reason}": counts.get(reason, 0) for reason in REFUSALS}

    async def health(self) -> HealthStatus:
        """Listening, clients, spool use and message counts; unhealthy when stuck.

        Stuck: the spool is full (telemetry is not acknowledged; devices send it again later),
        or the writer's last attempt failed, or it has stored nothing for `writer_stuck_after`
        while messages wait (what is acknowledged is neither stored nor alerted on meanwhile).
        """
        ingest = self.ingest
        detail: dict[str, Any] = {
            "listening": self.listening,
            "port": self.port,
            "ports": self.ports,
            "clients": self.connected(),
            "devices_online": self.presence.online(),
            **self._refusals(),
            **(self._broker.backlog() if self._broker is not None else {}),
            "spool_waiting": len(ingest.waiting),
            "spool_bytes": ingest.spool.live_bytes,
            "spool_capacity_bytes": ingest.spool.max_bytes,
            "spool_full": ingest.full,
            "writer_failing": ingest.failing,
            "writer_stuck": ingest.stuck,
            **{f"messages_{k}": v for k, v in sorted(ingest.counts.items())},
        }
        ok = self.listening and not (ingest.full or ingest.failing or ingest.stuck)
        return HealthStatus(ok=ok, detail=detail)


def _canonical(username: str | None) -> str | None:
    """An id as `uuid` prints it, as sign-in keeps it (it takes any spelling `uuid.UUID` reads)."""
    try:
        return str(uuid.UUID(username or ""))
    except ValueError:
        return username
