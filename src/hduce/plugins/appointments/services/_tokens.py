"""Signed confirmation tokens: valid for one booking at one start time, until that start."""

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime

from hduce.core.numbers import whole_number
from hduce.plugins.appointments.errors import InvalidConfirmationToken

_PURPOSE = b"hduce.appointments.confirm\0"
_LAST_STAMP = int(datetime.max.replace(tzinfo=UTC).timestamp())
"""The last second a visit can start at (the end of year 9999)."""


class ConfirmationTokens:
    """Issues and checks HMAC-SHA256 tokens bound to an appointment and its start."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(_PURPOSE + secret.encode()).digest()

    def issue(self, appointment_id: uuid.UUID, starts_at: datetime) -> str:
        """A token confirming `appointment_id` as booked for `starts_at`."""
        stamp = int(starts_at.timestamp())
        return f"{stamp}.{self._sign(appointment_id, stamp)}"

    def verify(self, token: str, appointment_id: uuid.UUID) -> datetime:
        """The start the token was issued for; raises if forged or past that start."""
        stamp_text, _, signature = token.partition(".")
        stamp = whole_number(stamp_text, _LAST_STAMP)
        if stamp is None or not hmac.compare_digest(signature, self._sign(appointment_id, stamp)):
            raise InvalidConfirmationToken("this confirmation link is not valid")
        starts_at = datetime.fromtimestamp(stamp, UTC)
        if starts_at <= datetime.now(UTC):
            raise InvalidConfirmationToken("this appointment has already started")
        return starts_at

    def _sign(self, appointment_id: uuid.UUID, stamp: int) -> str:
        message = f"{appointment_id}:{stamp}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
