"""Messages for identity events: verification, password reset, new login, lockout, approval."""

from datetime import datetime

from hduce.contracts.events import (
    UserApproved,
    UserLocked,
    UserLoggedIn,
    UserPasswordResetRequested,
    UserVerificationRequested,
)
from hduce.contracts.notifications import Category
from hduce.core.events import EventBus, EventMeta
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.notifier import NotificationService


def shown(moment: datetime) -> str:
    """A timestamp as people read it in a message."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class IdentityMessages:
    """Turns identity events into notifications; the event id keys each one (sent once)."""

    def __init__(
        self, notifier: NotificationService, config: NotificationsConfig, public_url: str
    ) -> None:
        self._notifier = notifier
        self._config = config
        self._public_url = public_url.rstrip("/")

    def subscribe(self, events: EventBus) -> None:
        """Register one task per identity event."""
        events.subscribe(
            UserVerificationRequested, self.verification, task_name="notifications.verify_email"
        )
        events.subscribe(
            UserPasswordResetRequested,
            self.password_reset,
            task_name="notifications.password_reset",
        )
        events.subscribe(UserLoggedIn, self.new_login, task_name="notifications.new_login")
        events.subscribe(UserLocked, self.locked, task_name="notifications.account_locked")
        events.subscribe(UserApproved, self.approved, task_name="notifications.account_approved")

    async def _token_message(
        self,
        event: UserVerificationRequested | UserPasswordResetRequested,
        meta: EventMeta,
        template: str,
        link: tuple[str, str],
    ) -> None:
        """A critical security e-mail carrying a one-time token and its link (name, pattern)."""
        data = {
            "token": event.token,
            "expires_at": shown(event.expires_at),
            link[0]: link[1].format(public_url=self._public_url, token=event.token),
        }
        await self._notifier.notify(
            event.user_id, template, data, Category.SECURITY, critical=True, key=str(meta.event_id)
        )

    async def verification(self, event: UserVerificationRequested, meta: EventMeta) -> None:
        """The verification e-mail with its link and token."""
        await self._token_message(
            event, meta, "verify_email", ("verify_url", self._config.verify_email_url)
        )

    async def password_reset(self, event: UserPasswordResetRequested, meta: EventMeta) -> None:
        """The password-reset e-mail with its link and token."""
        link = ("reset_url", self._config.reset_password_url)
        await self._token_message(event, meta, "password_reset", link)

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
