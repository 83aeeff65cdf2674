"""What every channel is: something that sends one rendered message or explains why not."""

import uuid
from typing import ClassVar, Protocol

import msgspec


class OutgoingMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One rendered message for one channel and one address."""

    delivery_id: uuid.UUID
    """Unique per delivery: providers get it as the message id / reference, for deduplication."""
    to: str
    """An e-mail address, a phone number or (push, in-app) a user id."""
    subject: str
    text: str
    html: str | None = None


class DeliveryError(Exception):
    """The message was not sent; the text is recorded on the delivery.

    `permanent` errors (a refused address, a 4xx from an SMS provider) are not retried.
    `retry_after`: the seconds the other side asked to wait before trying again (an SMS
    provider's `Retry-After`), None when it named no time.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Channel(Protocol):
    """A way to reach a user."""

    name: ClassVar[str]

    @property
    def configured(self) -> bool:
        """Whether this deployment set the channel up; unconfigured channels are skipped."""

    async def send(self, message: OutgoingMessage) -> None:
        """Send `message`, or raise `DeliveryError`."""
