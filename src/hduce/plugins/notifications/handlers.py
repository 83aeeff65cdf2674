"""Event subscriptions: due deliveries (its own task), identity events and device alerts."""

from datetime import UTC

from hduce.contracts.auth import (
    UserApproved,
    UserFact,
    UserLocked,
    UserLoggedIn,
    UserRegistrationAttempted,
)
from hduce.contracts.devices import DeviceAlertRaised
from hduce.contracts.notifications import Category, Notice
from hduce.core.events import EventBus, EventMeta
from hduce.plugins.notifications.services import (
    BY_EMAIL_ONLY,
    DeliverySender,
    DeviceAlertNotices,
    NotificationService,
    shown,
)
from hduce.plugins.notifications.tasks import DeliveryDue


class IdentityNotices:
    """Turns identity events into notifications keyed by event id (so each is sent once)."""

    def __init__(self, notifier: NotificationService, public_url: str) -> None:
        self._notifier = notifier
        self._public_url = public_url.rstrip("/")

    async def new_login(self, event: UserLoggedIn, meta: EventMeta) -> None:
        """A new-login notice: not critical, so users may switch it off on SMS, push and inbox.

        Every sign-in would otherwise cost the clinic a text message. E-mail always goes
        (`ALWAYS_ON`), and security messages are never held by quiet hours.
        """
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
        await self._critical(event, meta, "account_locked", {"until": shown(event.until)})

    async def registration_attempted(
        self, event: UserRegistrationAttempted, meta: EventMeta
    ) -> None:
        """Someone tried to sign up with the user's address: at most one notice a day, mailed.

        Anyone can make the attempt, as often as the per-address request limit lets them: the
        notice's key (owner and UTC day) keeps repeats from sending more, and it goes by e-mail
        only (`security.email` is always on), never by text, push or inbox.
        """
        data = {"when": shown(meta.occurred_at), "sign_in_url": self._public_url + "/"}
        key = f"registration_attempt:{event.user_id}:{meta.occurred_at.astimezone(UTC):%Y-%m-%d}"
        notice = Notice(
            event.user_id, "registration_attempt", data, Category.SECURITY, critical=True, key=key
        )
        await self._notifier.send(notice, channels=BY_EMAIL_ONLY)

    async def _critical(
        self, event: UserFact, meta: EventMeta, template: str, data: dict[str, str]
    ) -> None:
        """A security notice that ignores preferences and quiet hours, sent once per event."""
        await self._notifier.notify(
            event.user_id, template, data, Category.SECURITY, critical=True, key=str(meta.event_id)
        )

    async def approved(self, event: UserApproved, meta: EventMeta) -> None:
        """The staff account was approved."""
        await self._notifier.notify(
            event.user_id, "account_approved", {}, Category.GENERAL, key=str(meta.event_id)
        )


def subscribe(
    events: EventBus,
    sender: DeliverySender,
    notifier: NotificationService,
    device_alerts: DeviceAlertNotices,
    public_url: str,
) -> None:
    """Register one task per event the plugin handles."""
    events.subscribe(DeliveryDue, sender.handle, task_name="notifications.deliver")
    notices = IdentityNotices(notifier, public_url)
    events.subscribe(UserLoggedIn, notices.new_login, task_name="notifications.new_login")
    events.subscribe(UserLocked, notices.locked, task_name="notifications.account_locked")
    events.subscribe(UserApproved, notices.approved, task_name="notifications.account_approved")
    events.subscribe(
        UserRegistrationAttempted,
        notices.registration_attempted,
        task_name="notifications.registration_attempt",
    )
    events.subscribe(
        DeviceAlertRaised, device_alerts.notify, task_name="notifications.device_alert"
    )
