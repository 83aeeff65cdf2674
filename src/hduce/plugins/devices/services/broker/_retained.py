"""Retained messages kept only in their publisher's namespace and replayed through the ACL."""

import asyncio
import logging

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.session import Session

from hduce.plugins.devices.services._acl import retain_allowed
from hduce.plugins.devices.services.broker._amqtt_plugins import KIND
from hduce.plugins.devices.services.broker._routing import FilterTable

logger = logging.getLogger("hduce.devices")


class RetainedThroughAcl(Broker):
    """Retained messages that reach only the clients allowed to receive them.

    amqtt 0.12.1 stores any retained message it is handed (a will included, without the publish
    ACL) and, at every CONNECT, replays the retained messages matching *every* client's filters
    to the new client, with no receive check. Here a client may retain only in its own
    namespace, and a retained message goes to a session only for a filter it holds itself and
    only if the topic ACL lets it receive that topic. amqtt's replay at CONNECT runs once per
    filter held in the whole broker (thousands, with many apps connected, at every reconnect);
    here only over the filters the connecting session holds.
    """

    _subscriptions: FilterTable
    _filters_of: dict[str, set[str]]
    """Per client id, the filters it holds (kept by `BoundedSessions`)."""

    async def retain_message(
        self,
        source_session: Session | None,
        topic_name: str | None,
        data: bytes | bytearray | None,
        qos: int | None = None,
    ) -> None:
        """Store (or clear) a retained message; a client only within its own topics."""
        if source_session is not None and not retain_allowed(
            getattr(source_session, KIND, None), source_session.username or "", topic_name or ""
        ):
            logger.info("MQTT %s may not retain on %s", source_session.username, topic_name)
            return
        await super().retain_message(source_session, topic_name, data, qos)

    async def _publish_session_retained_messages(self, session: Session) -> None:
        """Send what was queued while offline, as amqtt does; then narrow amqtt's next loop.

        amqtt 0.12.1 calls this at CONNECT right before it loops over `_subscriptions`, calling
        the replay below for each filter: that loop now sees the session's own filters only.
        """
        await super()._publish_session_retained_messages(session)
        self._subscriptions.iterate_next_over(self._filters_of.get(session.client_id or "", ()))

    async def _publish_retained_messages_for_subscription(
        self, subscription: tuple[str, int], session: Session
    ) -> None:
        topic_filter, _ = subscription
        granted = self._granted(topic_filter, session)
        handler = self._get_handler(session)
        if granted is None or handler is None:
            return
        sends = []
        for topic, retained in list(self._retained_messages.items()):
            if not self._matches(topic, topic_filter):
                continue
            if not await self._topic_filtering(session, topic, Action.RECEIVE):
                continue
            qos = min(granted, retained.qos if retained.qos is not None else granted)
            sends.append(
                asyncio.ensure_future(
                    handler.mqtt_publish(retained.topic, retained.data, qos, retain=True)
                )
            )
        if sends:
            await asyncio.wait(sends)

    def _granted(self, topic_filter: str, session: Session) -> int | None:
        """The QoS `session` holds on `topic_filter`, or None when it has no such subscription."""
        for subscriber, qos in self._subscriptions.get(topic_filter, []):
            if subscriber.client_id == session.client_id:
                return qos
        return None
