"""The per-connection MQTT protocol handler: amqtt 0.12.1's, with HDuce's documented overrides."""

from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler

from hduce.plugins.devices.services.broker._inbound import DurableInbound
from hduce.plugins.devices.services.broker._keepalive import KeepaliveMixin
from hduce.plugins.devices.services.broker._outbound import OutboundDeliveryMixin


class DeviceProtocolHandler(
    DurableInbound, KeepaliveMixin, OutboundDeliveryMixin, BrokerProtocolHandler
):
    """amqtt's broker-side handler; each mixin names the amqtt methods it replaces and why."""
