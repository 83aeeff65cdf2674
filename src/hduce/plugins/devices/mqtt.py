"""amqtt plugins, loaded by dotted path: sign-in, topic ACL and the telemetry hook."""

import logging
from dataclasses import dataclass
from typing import Any

from amqtt.contexts import Action
from amqtt.mqtt.packet import MQTTPacket
from amqtt.mqtt.publish import PublishPacket
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin
from amqtt.session import Session

from hduce.plugins.devices.acl import PUBLISH, allowed

logger = logging.getLogger("hduce.devices")
# Set on the session by the sign-in plugin, read by the ACL plugin.
KIND = "hduce_client_kind"
CHECKED = "hduce_checked_credentials"


class SignInPlugin(BaseAuthPlugin):
    """Accepts devices (id + secret) and users' apps (id + access token); refuses the rest."""

    @dataclass
    class Config:
        """`identify(username, password)` says who (None: refuse); `expire(session, at)` ends it."""

        identify: Any = None
        expire: Any = None

    async def authenticate(self, *, session: Session) -> bool:
        """True only for a known client; any failure refuses (never None).

        The answer is kept on the session with the credentials it was for: the broker asks
        twice per CONNECT (see `SignedInOnlyBroker`), and other credentials are checked anew.
        """
        credentials = (session.username, session.password)
        if getattr(session, CHECKED, None) == credentials:
            return getattr(session, KIND, None) is not None
        setattr(session, KIND, None)
        setattr(session, CHECKED, credentials)
        if not session.username or session.password is None:
            return False
        try:
            signed_in = await self.config.identify(session.username, session.password)
        except Exception:
            logger.exception("MQTT sign-in of %r failed", session.username)
            return False
        if signed_in is None:
            return False
        setattr(session, KIND, signed_in.kind)
        if signed_in.expires_at is not None:
            self.config.expire(session, signed_in.expires_at)
        return True


class TopicAclPlugin(BaseTopicPlugin):
    """Each client reaches only its own topics; always answers a bool (None would deny)."""

    @dataclass
    class Config:
        """No settings."""

    async def topic_filtering(
        self,
        *,
        session: Session | None = None,
        topic: str | None = None,
        action: Action | None = None,
    ) -> bool:
        """Whether `session` may `action` on `topic`."""
        if session is None or topic is None or action is None:
            return False
        kind = getattr(session, KIND, None)
        return allowed(kind, session.username or "", topic, str(action.value))


class TelemetryHookPlugin(BasePlugin[Any]):
    """Hands every PUBLISH the ACL allows to the ingest queue (never waits).

    It listens to packets as they are read, not to `on_broker_message_broadcast`: amqtt sends
    the PUBACK first and drops the messages it has not yet broadcast when the client disconnects
    or the broker stops, so a device publishing and then disconnecting would lose its last
    readings. The ACL is the same function the topic plugin applies.
    """

    @dataclass
    class Config:
        """`sink(topic, payload)` must not block: it only queues."""

        sink: Any = None

    async def on_mqtt_packet_received(
        self, *, packet: MQTTPacket[Any, Any, Any], session: Session | None = None
    ) -> None:
        """Queue an allowed PUBLISH for the batch writer."""
        if session is None or not isinstance(packet, PublishPacket):
            return
        topic = packet.topic_name or ""
        if allowed(getattr(session, KIND, None), session.username or "", topic, PUBLISH):
            self.config.sink(topic, bytes(packet.data or b""))
