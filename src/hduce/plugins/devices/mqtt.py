"""amqtt plugins, loaded by dotted path: sign-in, topic ACL and the telemetry hook."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin
from amqtt.session import ApplicationMessage, Session

from hduce.plugins.devices.acl import allowed
from hduce.plugins.devices.credentials import ClientKind

logger = logging.getLogger("hduce.devices")
# Set on the session by the sign-in plugin, read by the ACL plugin.
KIND = "hduce_client_kind"

Identify = Callable[[str, str], Awaitable[ClientKind | None]]


class SignInPlugin(BaseAuthPlugin):
    """Accepts devices (id + secret) and users' apps (id + access token); refuses the rest."""

    @dataclass
    class Config:
        """`identify(username, password)` returns the client's kind or None."""

        identify: Any = None

    async def authenticate(self, *, session: Session) -> bool:
        """True only for a known client; any failure refuses (never None)."""
        setattr(session, KIND, None)
        if not session.username or session.password is None:
            return False
        try:
            kind = await self.config.identify(session.username, session.password)
        except Exception:
            logger.exception("MQTT sign-in of %r failed", session.username)
            return False
        setattr(session, KIND, kind)
        return kind is not None


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
    """Hands every message that passed the ACL to the ingest queue (never waits)."""

    @dataclass
    class Config:
        """`sink(topic, payload)` must not block: it only queues."""

        sink: Any = None

    async def on_broker_message_broadcast(
        self, *, client_id: str, message: ApplicationMessage
    ) -> None:
        """Queue the message for the batch writer."""
        self.config.sink(message.topic, bytes(message.data or b""))
