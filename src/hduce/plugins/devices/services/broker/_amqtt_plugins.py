"""amqtt plugins, loaded by dotted path: sign-in, topic ACL and the telemetry hook."""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin
from amqtt.session import Session

from hduce.plugins.devices.services._acl import PUBLISH, allowed, telemetry_topic
from hduce.plugins.devices.services._credentials import ClientKind
from hduce.plugins.devices.services._ingest import Settled

logger = logging.getLogger("hduce.devices")
# Set on the session by the sign-in plugin, read by the ACL plugin.
KIND = "hduce_client_kind"
CHECKED = "hduce_checked_credentials"
TELEMETRY = "hduce.devices.telemetry"
"""Session attribute: (kind, username, topic, device id) of the telemetry topic last allowed."""


class SignInPlugin(BaseAuthPlugin):
    """Accepts devices (id + secret) and users' apps (id + access token); refuses the rest.

    A client let in is known by its id as `uuid` prints it (`SignedIn.username`): sessions, the
    per-identity limits and the topic ACL see one identity, whatever the spelling it signed in
    with, and its topics are the documented ones.
    """

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
        session.username = signed_in.username
        setattr(session, CHECKED, (session.username, session.password))
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
    """Where the protocol handler hands a device's telemetry before acknowledging it.

    Not an amqtt event hook: events are fire-and-forget, and a reading must be durable before
    its PUBACK / PUBREC (see `_inbound.DurableInbound`). The ACL is the same function the topic
    plugin applies; what it refuses is left to amqtt (acknowledged and dropped), and a device's
    refused PUBLISH is counted as an invalid message on its row (`refused`), so a reading sent
    to a wrong topic is never acknowledged and lost unseen.
    """

    @dataclass
    class Config:
        """`ingest`: the devices plugin's `TelemetryIngest`."""

        ingest: Any = None

    def device_of(self, session: Session, topic: str) -> uuid.UUID | None:
        """The device whose telemetry this is, if `session` may publish it; else None.

        The answer for a device's telemetry topic is kept on the session with what it depends
        on (kind, username, topic), so its next messages skip the parsing.
        """
        kind, username = getattr(session, KIND, None), session.username or ""
        known = session.attributes.get(TELEMETRY)
        if known is not None and known[:3] == (kind, username, topic):
            return known[3]
        levels = topic.split("/")
        if levels[-1:] != ["telemetry"] or not allowed(kind, username, topic, PUBLISH):
            return None
        device_id = uuid.UUID(levels[1])
        session.attributes[TELEMETRY] = (kind, username, topic, device_id)
        return device_id

    def refused(self, session: Session, topic: str) -> None:
        """Count a device's PUBLISH the ACL refuses (it is acknowledged, never stored)."""
        kind, username = getattr(session, KIND, None), session.username or ""
        if kind is ClientKind.DEVICE and not allowed(kind, username, topic, PUBLISH):
            self.config.ingest.refuse(
                uuid.UUID(username),
                f"PUBLISH to {topic} refused: a device publishes only on "
                f"{telemetry_topic(username)} and devices/{username}/status",
            )

    def keep(self, device_id: uuid.UUID, payload: bytes, settled: Settled | None) -> bool:
        """Hand a message over; False: do not acknowledge it (the client sends it again).

        `settled(durable)` is called once it may be acknowledged (True), or was not kept.
        """
        return bool(self.config.ingest.keep(device_id, payload, settled))

    async def kept(self, device_id: uuid.UUID, payload: bytes) -> bool:
        """`keep`, awaited: whether the message may be acknowledged now."""
        return bool(await self.config.ingest.accept(device_id, payload))


def telemetry_hook(plugins_manager: Any) -> TelemetryHookPlugin:
    """The broker's `TelemetryHookPlugin` (a broker without it is not hduce's)."""
    found = next((p for p in plugins_manager.plugins if isinstance(p, TelemetryHookPlugin)), None)
    if found is None:
        raise LookupError("the broker runs without hduce's TelemetryHookPlugin")
    return found
