"""The per-connection MQTT protocol handler: amqtt 0.12.1's, with HDuce's documented overrides."""

from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler

from hduce.plugins.devices.services.broker._exactly_once import ExactlyOnceInbound
from hduce.plugins.devices.services.broker._inbound import DurableInbound
from hduce.plugins.devices.services.broker._keepalive import KeepaliveMixin
from hduce.plugins.devices.services.broker._outbound import OutboundDeliveryMixin
from hduce.plugins.devices.services.broker._reader import WholePacketReader
from hduce.plugins.devices.services.broker._turns import TurnEndsWhenServing


class DeviceProtocolHandler(
    WholePacketReader,
    DurableInbound,
    ExactlyOnceInbound,
    KeepaliveMixin,
    OutboundDeliveryMixin,
    TurnEndsWhenServing,
    BrokerProtocolHandler,
):
    """amqtt's broker-side handler; each mixin names the amqtt methods it replaces and why."""
