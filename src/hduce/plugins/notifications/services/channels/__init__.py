"""Delivery channels: e-mail, SMS, push and the in-app inbox."""

from hduce.plugins.notifications.services.channels.base import (
    Channel,
    DeliveryError,
    OutgoingMessage,
)
from hduce.plugins.notifications.services.channels.email import EmailChannel
from hduce.plugins.notifications.services.channels.email_log import LoggedEmailChannel
from hduce.plugins.notifications.services.channels.in_app import InAppChannel
from hduce.plugins.notifications.services.channels.push import PushChannel
from hduce.plugins.notifications.services.channels.sms import SmsChannel

__all__ = [
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "InAppChannel",
    "LoggedEmailChannel",
    "OutgoingMessage",
    "PushChannel",
    "SmsChannel",
]
