"""All SQL of the notifications plugin: notifications, deliveries, the inbox, preferences."""

from hduce.plugins.notifications.store._analytics import DeliveryCounts
from hduce.plugins.notifications.store._clinicians import ClinicianDirectory
from hduce.plugins.notifications.store._deliveries import (
    DeliveryStore,
    NewNotification,
    PlannedDelivery,
)
from hduce.plugins.notifications.store._inbox import Inbox
from hduce.plugins.notifications.store._preferences import (
    CHANNELS,
    Preferences,
    PreferenceStore,
    QuietHours,
)

__all__ = [
    "CHANNELS",
    "ClinicianDirectory",
    "DeliveryCounts",
    "DeliveryStore",
    "Inbox",
    "NewNotification",
    "PlannedDelivery",
    "PreferenceStore",
    "Preferences",
    "QuietHours",
]
