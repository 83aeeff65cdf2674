"""The per-connection MQTT protocol handler of the broker: amqtt's, with HDuce's mixins."""

from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler

from hduce.plugins.devices.keepalive import KeepaliveMixin
from hduce.plugins.devices.outbound import OutboundDeliveryMixin


class DeviceProtocolHandler(KeepaliveMixin, OutboundDeliveryMixin, BrokerProtocolHandler):
    """amqtt 0.12.1's broker handler with the fixes each mixin documents."""
