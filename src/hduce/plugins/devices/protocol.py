"""The per-connection MQTT protocol handler: amqtt 0.12.1's, with HDuce's documented overrides."""

from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler

from hduce.plugins.devices.inbound import DurableInbound
from hduce.plugins.devices.keepalive import KeepaliveMixin
from hduce.plugins.devices.outbound import OutboundDeliveryMixin


class DeviceProtocolHandler(
    DurableInbound, KeepaliveMixin, OutboundDeliveryMixin, BrokerProtocolHandler
):
    """amqtt's broker-side handler; each mixin names the amqtt methods it replaces and why."""
