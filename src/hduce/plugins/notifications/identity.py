"""Identity messages: one-time links (`OneTimeLinks`), new login, lockout, approval."""

import uuid
from datetime import datetime

from hduce.contracts.auth import UserApproved, UserLocked, UserLoggedIn
from hduce.contracts.notifications import Category
from hduce.core.events import EventBus, EventMeta
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.notifier import NotificationService


def shown(moment: datetime) -> str:
    """A timestamp as people read it in a message."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class IdentityMessages:
    """Implements `OneTimeLinks`; turns identity events into notifications keyed by event id."""

    def __init__(
        self, notifier: NotificationService, config: NotificationsConfig, public_url: str
    ) -> None:
        self._notifier = notifier
        self._config = config
        self._public_url = public_url.rstrip("/")

    def subscribe(self, events: EventBus) -> None:
        """Register one task per identity event."""
        events.subscribe(UserLoggedIn, self.new_login, task_name="notifications.new_login")
        events.subscribe(UserLocked, self.locked, task_name="notifications.account_locked")
        events.subscribe(UserApproved, self.approved, task_name="notifications.account_approved")

    async def _token_message(
        self,
        user_id: uuid.UUID,
        token: str,
        expires_at: datetime,
        template: str,
        link: tuple[str, str],
    ) -> None:
        """A critical security e-mail carrying a one-time token and its link (name, pattern)."""
        data = {
            "token": token,
            "expires_at": shown(expires_at),
            link[0]: link[1].format(public_url=self._public_url, token=token),
        }
        await self._notifier.notify(user_id, template, data, Category.SECURITY, critical=True)

    async def verification(self, user_id: uuid.UUID, token: str, expires_at: datetime) -> None:
        """Queue the verification e-mail with its link and token, in the caller's transaction."""
        link = ("verify_url", self._config.verify_email_url)
        await self._token_message(user_id, token, expires_at, "verify_email", link)

    async def password_reset(self, user_id: uuid.UUID, token: str, expires_at: datetime) -> None:
        """Queue the password-reset e-mail with its link and token, in the caller's transaction."""
        link = ("reset_url", self._config.reset_password_url)
        await self._token_message(user_id, token, expires_at, "password_reset", link)

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
