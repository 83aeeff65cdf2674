"""E-mail written to the log: the development stand-in when no SMTP relay is configured."""

import logging
from typing import ClassVar

from hduce.plugins.notifications.services.channels.base import OutgoingMessage

logger = logging.getLogger("hduce.notifications.email")


class LoggedEmailChannel:
    """Writes each e-mail (recipient, subject, text) to the log instead of sending it.

    Used without a relay when `email.log_when_unconfigured` is set (the developer config
    `hduce.toml` sets it), so a verification or reset link can be followed from the log;
    otherwise unconfigured e-mail is skipped.
    """

    name: ClassVar[str] = "email"

    @property
    def configured(self) -> bool:
        """Always: the log is there."""
        return True

    async def send(self, message: OutgoingMessage) -> None:
        """Log the message as a mail client would show its text part."""
        logger.info(
            "e-mail (no SMTP relay configured: logged, not sent) to %s\nSubject: %s\n\n%s",
            message.to,
            message.subject,
            message.text,
        )
