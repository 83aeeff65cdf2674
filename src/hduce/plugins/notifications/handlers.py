"""Event subscriptions: due deliveries (its own task), identity events and device alerts."""

from hduce.contracts.auth import UserApproved, UserLocked, UserLoggedIn
from hduce.contracts.devices import DeviceAlertRaised
from hduce.contracts.notifications import Category, Notifier
from hduce.core.events import EventBus, EventMeta
from hduce.plugins.notifications.services import DeliverySender, DeviceAlertNotices, shown
from hduce.plugins.notifications.tasks import DeliveryDue


class IdentityNotices:
    """Turns identity events into notifications keyed by event id (so each is sent once)."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    async def new_login(self, event: UserLoggedIn, meta: EventMeta) -> None:
        """A new-login notice (users may switch it off per channel)."""
        data = {
            "when": shown(meta.occurred_at),
            "ip": event.ip or "unknown",
            "user_agent": event.user_agent or "unknown",
        }
        await self._notifier.notify(
            event.user_id, "new_login", data, Category.SECURITY, key=str(meta.event_id)
        )

    async def locked(self, event: UserLocked, meta: EventMeta) -> None:
        """A lockout notice (critical)."""
        data = {"until": shown(event.until)}
        await self._notifier.notify(
            event.user_id,
            "account_locked",
            data,
            Category.SECURITY,
            critical=True,
            key=str(meta.event_id),
        )

    async def approved(self, event: UserApproved, meta: EventMeta) -> None:
        """The staff account was approved."""
        await self._notifier.notify(
            event.user_id, "account_approved", {}, Category.GENERAL, key=str(meta.event_id)
        )


def subscribe(
    events: EventBus,
    sender: DeliverySender,
    notifier: Notifier,
    device_alerts: DeviceAlertNotices,
) -> None:
    """Register one task per event the plugin handles."""
    events.subscribe(DeliveryDue, sender.handle, task_name="notifications.deliver")
    notices = IdentityNotices(notifier)
    events.subscribe(UserLoggedIn, notices.new_login, task_name="notifications.new_login")
    events.subscribe(UserLocked, notices.locked, task_name="notifications.account_locked")
    events.subscribe(UserApproved, notices.approved, task_name="notifications.account_approved")
    events.subscribe(
        DeviceAlertRaised, device_alerts.notify, task_name="notifications.device_alert"
    )
