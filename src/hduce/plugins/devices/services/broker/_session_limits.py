"""What one client may hold in the broker: topic filters, and messages queued while offline."""

import logging
from typing import Any

from amqtt.broker import Broker
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.session import Session

from hduce.plugins.devices.services.broker._connect_guard import BrokerLimits

logger = logging.getLogger("hduce.devices")
REFUSED = 0x80
"""The SUBACK return code of a refused topic filter."""
_WARNED = "hduce_offline_queue_full"
"""Session attribute: its full offline queue has been logged (once per session)."""


class BoundedSessions(Broker):
    """A client holds at most `max_subscriptions` filters and `max_queued_messages` offline.

    amqtt 0.12.1 accepts every SUBSCRIBE (one for a filter already held keeps its old QoS),
    keeps an unsubscribed filter's entry for ever (every message is matched against every
    entry) and queues QoS 1/2 messages for an offline persistent session without a bound: a
    client subscribing in a loop, or an app uninstalled with a persistent session, would grow
    the broker's memory for as long as it runs. The oldest queued message is dropped for a new
    one (the newest matter most: the latest command, the latest notification); an offline
    session ends after `session_expiry` (amqtt's monitor).
    """

    limits: BrokerLimits

    async def add_subscription(self, subscription: tuple[str, int], session: Session) -> int:
        """Subscribe as amqtt does, unless that is one filter too many; a held one is replaced."""
        topic_filter = subscription[0]
        held = [
            held_filter
            for held_filter, subscribers in self._subscriptions.items()
            if any(subscriber.client_id == session.client_id for subscriber, _ in subscribers)
        ]
        if topic_filter not in held and len(held) >= self.limits.max_subscriptions:
            logger.info(
                "MQTT %s: subscription to %s refused: %d filters already held",
                session.username,
                topic_filter,
                len(held),
            )
            return REFUSED
        granted = int(await super().add_subscription(subscription, session))
        if topic_filter in held and granted != REFUSED:  # [MQTT-3.8.4-3]: replaced, new QoS
            self._subscriptions[topic_filter] = [
                (session, granted)
                if subscriber.client_id == session.client_id
                else (subscriber, qos)
                for subscriber, qos in self._subscriptions[topic_filter]
            ]
        return granted

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
