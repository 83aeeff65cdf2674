"""amqtt's broker, authenticating a CONNECT before it touches any existing session."""

from typing import Any

from amqtt.broker import Broker
from amqtt.errors import AMQTTError, MQTTError, NoDataError
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.session import Session
from amqtt.utils import gen_client_id

from hduce.plugins.devices.protocol import DeviceProtocolHandler


class SignedInOnlyBroker(Broker):
    """A broker where a client that cannot sign in never reaches another client's session.

    amqtt 0.12.1 looks the CONNECT's client id up before authenticating: a clean session deletes
    the connected client's session (its subscriptions), a persistent one has its credentials
    overwritten and is then taken over, so anyone who knows a device's client id could knock
    it off with a wrong password. This copy of `_initialize_client_session` (amqtt pinned to
    0.12.1) answers a refused CONNECT with "not authorized" first; everything after a successful
    sign-in is amqtt's own code. The second check in `_handle_client_session` is answered by
    the sign-in plugin from the session.
    """

    async def _initialize_client_session(
        self, reader: Any, writer: Any, remote_address: str, remote_port: int
    ) -> tuple[BrokerProtocolHandler, Session]:
        where = f"{remote_address}:{remote_port}"
        try:
            handler, session = await DeviceProtocolHandler.init_from_connect(
                reader, writer, self.plugins_manager
            )
        except MQTTError as exc:
            self.logger.warning("invalid connection from %s", where)
            await writer.close()
            raise MQTTError(exc) from exc
        except (AMQTTError, NoDataError) as exc:
            self.logger.warning("no CONNECT from %s: %s", where, exc)
            raise AMQTTError(exc) from exc
        if not await self._authenticate(session, self.listeners_config["default"]):
            handler.attach(session, reader, writer)
            await handler.mqtt_connack_authorize(False)
            await writer.close()
            raise MQTTError(f"{where} is not authorized")
        return handler, await self._session_for(session)

    async def _session_for(self, session: Session) -> Session:
        """The session amqtt would pick (clean, or the stored one), once the client signed in."""
        if session.clean_session:
            if session.client_id:
                await self._delete_session(session.client_id)
            else:
                session.client_id = gen_client_id()
            session.parent = 0
        elif session.client_id in self._sessions:
            stored, _ = self._sessions[session.client_id]
            for name in (
                "will_flag",
                "will_message",
                "will_topic",
                "will_qos",
                "keep_alive",
                "username",
                "password",
            ):
                setattr(stored, name, getattr(session, name))
            stored.parent = 1
            session = stored
        else:
            session.parent = 0
        delay = self.config.get("timeout-disconnect-delay", 0)
        if session.keep_alive > 0 and isinstance(delay, int):
            session.keep_alive += delay
        return session
