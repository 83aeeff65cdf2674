"""The notifications services and the bundle the routes receive (DI key `notifications`)."""

from dataclasses import dataclass

from hduce.core.security import Principal
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.services._delivery_records import DeliveryRecordsDesk
from hduce.plugins.notifications.services._device_alerts import DeviceAlertNotices
from hduce.plugins.notifications.services._held import HeldDeliveries
from hduce.plugins.notifications.services._links import LinkMessages, shown
from hduce.plugins.notifications.services._live import InboxFeed, LiveInbox
from hduce.plugins.notifications.services._notifier import BY_EMAIL_ONLY, NotificationService
from hduce.plugins.notifications.services._own import OwnSettings
from hduce.plugins.notifications.services._preferences import (
    PreferenceService,
    offered_categories,
)
from hduce.plugins.notifications.services._sender import DeliverySender
from hduce.plugins.notifications.store import DeliveryStore, Inbox
from hduce.plugins.notifications.templates import (
    TemplateError,
    TemplateRenderer,
    builtin_template_dir,
)

__all__ = [
    "BY_EMAIL_ONLY",
    "DeliveryRecordsDesk",
    "DeliverySender",
    "DeviceAlertNotices",
    "HeldDeliveries",
    "InboxFeed",
    "LinkMessages",
    "LiveInbox",
    "NotificationService",
    "NotificationsServices",
    "OwnSettings",
    "PreferenceService",
    "TemplateError",
    "TemplateRenderer",
    "builtin_template_dir",
    "offered_categories",
    "shown",
]


@dataclass(frozen=True)
class NotificationsServices:
    """What the routes use: the inbox and its live feed, preferences, the delivery log."""

    config: NotificationsConfig
    inbox: Inbox
    feed: InboxFeed
    preferences: PreferenceService
    deliveries: DeliveryStore

    def live(self, principal: Principal, token: str, last_event_id: str | None = None) -> LiveInbox:
        """A live stream of `principal`'s new inbox items (429 past `max_streams_per_user`).

        Given the `last_event_id` a reconnecting client had, the items since then come first.
        """
        return LiveInbox(principal, token, self.inbox, self.feed, self.config, last_event_id)
