"""PUBLISHes to topics no client may use: `$` topics dropped, the session goes on."""

import asyncio
import logging
from typing import Any

from amqtt.broker import Broker
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.session import Session

logger = logging.getLogger("hduce.devices")


class InvalidTopicsHandled(Broker):
    """A PUBLISH to a bad topic never leaves a half-dead session.

    amqtt 0.12.1 answers a PUBLISH to a `$` topic, or with an empty topic, by leaving the
    client's message loop without closing anything: the socket stays open, no SUBSCRIBE or
    DISCONNECT is handled any more, the will is never sent and the session counts as connected
    for ever. A `$` topic is reserved to the broker, so that PUBLISH is dropped and the session
    goes on. An empty topic or one with a wildcard is a protocol violation the reader closes
    unanswered (`_wire_rules`); should amqtt's loop end any other way while the session is
    connected, the connection is closed as an abnormal disconnect (the will goes out).
    """

    async def _handle_message_delivery(
        self,
        client_session: Session,
        handler: BrokerProtocolHandler,
        wait_deliver: "asyncio.Future[Any]",
    ) -> bool:
        message = wait_deliver.result()
        if message is not None and (message.topic or "").startswith("$"):
            logger.info("MQTT %s: PUBLISH to %s dropped", client_session.username, message.topic)
            return True
        return await super()._handle_message_delivery(client_session, handler, wait_deliver)

    async def _client_message_loop(
        self, client_session: Session, handler: BrokerProtocolHandler
    ) -> None:
        await super()._client_message_loop(client_session, handler)
        if client_session.transitions.state == "connected":
            ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            ended.set_result(None)  # as if the connection dropped
            await self._handle_disconnect(client_session, handler, ended)
