"""One-time links (`OneTimeLinks`): the verification, password-reset and invitation e-mails.

They go by e-mail only: the link is for whoever controls the address, and a phone number given
with an unverified address is anyone's (texting it would let strangers make the clinic text it).
"""

import uuid
from datetime import datetime

from hduce.contracts.notifications import Category, Notice
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.plugins.notifications.services._notifier import BY_EMAIL_ONLY, NotificationService


def shown(moment: datetime) -> str:
    """A timestamp as people read it in a message."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class LinkMessages:
    """Implements `OneTimeLinks`: critical security e-mails carrying a token and its link."""

    def __init__(
        self, notifier: NotificationService, config: NotificationsConfig, public_url: str
    ) -> None:
        self._notifier = notifier
        self._config = config
        self._public_url = public_url.rstrip("/")

    async def _token_message(
        self,
        user_id: uuid.UUID,
        token: str,
        expires_at: datetime,
        template: str,
        link: tuple[str, str],
        **more: str,
    ) -> None:
        """A critical security e-mail (no other channel) carrying a one-time token and its link."""
        data = {
            "token": token,
            "expires_at": shown(expires_at),
            link[0]: link[1].format(public_url=self._public_url, token=token),
            **more,
        }
        notice = Notice(user_id, template, data, Category.SECURITY, critical=True)
        await self._notifier.send(notice, channels=BY_EMAIL_ONLY)

    async def verification(
        self, user_id: uuid.UUID, token: str, expires_at: datetime, registered_at: datetime
    ) -> None:
        """Queue the verification e-mail with its link, token and the registration's time."""
        link = ("verify_url", self._config.verify_email_url)
        await self._token_message(
            user_id, token, expires_at, "verify_email", link, registered_at=shown(registered_at)
        )

    async def password_reset(self, user_id: uuid.UUID, token: str, expires_at: datetime) -> None:
        """Queue the password-reset e-mail with its link and token, in the caller's transaction."""
        await self._reset_page_message(user_id, token, expires_at, "password_reset")

    async def invitation(self, user_id: uuid.UUID, token: str, expires_at: datetime) -> None:
        """Queue the invitation to an account the clinic opened, in the caller's transaction."""
        await self._reset_page_message(user_id, token, expires_at, "invitation")

    async def _reset_page_message(
        self, user_id: uuid.UUID, token: str, expires_at: datetime, template: str
    ) -> None:
        """`template` carrying a reset token and its link to the reset-password page."""
        link = ("reset_url", self._config.reset_password_url)
        await self._token_message(user_id, token, expires_at, template, link)
