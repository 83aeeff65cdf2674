"""What one client may hold in the broker: topic filters, and messages queued while offline."""

import itertools
import logging
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.session import Session

from hduce.plugins.devices.services.broker._connect_guard import BrokerLimits

logger = logging.getLogger("hduce.devices")
REFUSED = 0x80
"""The SUBACK return code of a refused topic filter."""
_WARNED = "hduce_offline_queue_full"
"""Session attribute: its full offline queue has been logged (once per session)."""


class BoundedSessions(Broker):
    """What a client and an identity may hold: filters, queued messages, sessions.

    amqtt 0.12.1 accepts every SUBSCRIBE (one for a filter already held keeps its old QoS),
    keeps an unsubscribed filter's entry for ever (every message is matched against every
    entry) and queues QoS 1/2 messages for an offline persistent session without a bound: a
    client subscribing in a loop, or an app uninstalled with a persistent session, would grow
    the broker's memory for as long as it runs. So a client holds at most `max_subscriptions`
    filters and `max_queued_messages` offline, the oldest queued message dropped for a new one
    (the newest matter most: the latest command, the latest notification); an offline session
    ends after `session_expiry` (amqtt's monitor). An app that makes up a client id for each
    connection with clean_session=0 would leave a session (its filters, its queue) each time:
    beyond `max_sessions_per_identity`, the identity's offline one connected least recently is
    forgotten. What each client holds is counted as it subscribes and unsubscribes (a scan of
    every filter in the broker per filter asked for made one SUBSCRIBE cost seconds), and a
    filter the ACL refuses is refused before it is counted.
    """

    limits: BrokerLimits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connects = itertools.count()
        self._client_ids_of: dict[str, dict[str, int]] = {}
        """Per identity (username): the client ids its sessions were stored under, each with
        the number of its latest CONNECT (a broker-wide count)."""
        self._filters_of: dict[str, set[str]] = {}
        """Per client id: the topic filters it holds (the keys of `_subscriptions` it is in)."""

    async def _session_for(self, session: Session) -> Session:
        """The session amqtt's table gets, once the identity's oldest beyond the bound are gone."""
        chosen: Session = await super()._session_for(session)  # type: ignore[misc]
        username, client_id = chosen.username or "", chosen.client_id or ""
        others = self._other_sessions(username, client_id)
        offline = [s for s in others if not s.clean_session and not s.transitions.is_connected()]
        beyond = len(others) + 1 - self.limits.max_sessions_per_identity
        for stored in offline[: max(beyond, 0)]:
            logger.info("MQTT %s: offline session %s forgotten", username, stored.client_id)
            await self._cleanup_session(stored.client_id or "")
            del self._client_ids_of[username][stored.client_id or ""]
        self._client_ids_of.setdefault(username, {})[client_id] = next(self._connects)
        return chosen

    def _other_sessions(self, username: str, client_id: str) -> list[Session]:
        """The identity's stored sessions under other client ids, least recently connected first.

        Client ids whose session is gone (expired, cleaned up) are dropped from the record.
        """
        known = self._client_ids_of.get(username, {})
        kept: dict[str, int] = {}
        sessions: list[Session] = []
        for cid, connected in sorted(known.items(), key=lambda item: item[1]):
            stored = self._sessions.get(cid, (None, None))[0]
            if stored is not None and stored.username == username:
                kept[cid] = connected
                if cid != client_id:
                    sessions.append(stored)
        self._client_ids_of[username] = kept
        return sessions

    async def add_subscription(self, subscription: tuple[str, int], session: Session) -> int:
        """Subscribe as amqtt does, unless that is one filter too many; a held one is replaced."""
        topic_filter, client_id = subscription[0], session.client_id or ""
        if not await self._topic_filtering(session, topic_filter, Action.SUBSCRIBE):
            return REFUSED
        held = self._filters_of.get(client_id, set())
        replaced = topic_filter in held
        if not replaced and len(held) >= self.limits.max_subscriptions:
            logger.info(
                "MQTT %s: subscription to %s refused: %d filters already held",
                session.username,
                topic_filter,
                len(held),
            )
            return REFUSED
        granted = int(await super().add_subscription(subscription, session))
        if granted != REFUSED:
            self._filters_of.setdefault(client_id, set()).add(topic_filter)
        if replaced and granted != REFUSED:  # [MQTT-3.8.4-3]: replaced, new QoS
            self._subscriptions[topic_filter] = [
                (session, granted)
                if subscriber.client_id == session.client_id
                else (subscriber, qos)
                for subscriber, qos in self._subscriptions[topic_filter]
            ]
        return granted

    def _del_subscription(self, a_filter: str, session: Session) -> int:
        """Unsubscribe as amqtt does (every way a filter goes: UNSUBSCRIBE, session end)."""
        deleted = int(super()._del_subscription(a_filter, session))
        held = self._filters_of.get(session.client_id or "")
        if deleted and held is not None:
            held.discard(a_filter)
            if not held:
                del self._filters_of[session.client_id or ""]
        return deleted

    async def _handle_unsubscription(
        self, client_session: Session, handler: BrokerProtocolHandler, unsubscribe_waiter: Any
    ) -> None:
        await super()._handle_unsubscription(client_session, handler, unsubscribe_waiter)
        for topic_filter in unsubscribe_waiter.result().topics:
            if not self._subscriptions.get(topic_filter, True):
                del self._subscriptions[topic_filter]  # nobody holds it any more

    async def _retain_broadcast_message(
        self, broadcast: dict[str, Any], qos: int, target_session: Session
    ) -> None:
        queued = target_session.retained_messages
        while queued.qsize() >= self.limits.max_queued_messages:
            queued.get_nowait()
            if not target_session.attributes.get(_WARNED):
                target_session.attributes[_WARNED] = True
                logger.warning(
                    "MQTT %s is offline with %d messages queued: the oldest are dropped",
                    target_session.client_id,
                    self.limits.max_queued_messages,
                )
        await super()._retain_broadcast_message(broadcast, qos, target_session)
