"""SMS through an HTTP provider: one POST per message, shaped by `body_template`."""

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar

import httpx

from hduce.core.config import ConfigError
from hduce.core.http_replies import DECODED, body_start, encoded_note, one_line
from hduce.core.numbers import whole_number
from hduce.plugins.notifications.config import SmsConfig
from hduce.plugins.notifications.services.channels.base import DeliveryError, OutgoingMessage

PLACEHOLDER = re.compile(r"\{(to|sender|text|id)\}")
"""What `body_template` values may contain; any other brace is sent as written."""
RETRIED_STATUSES = frozenset({408, 425, 429})
REPLY_SHOWN = 300
"""Characters of the provider's reply kept in the delivery's error."""
REPLY_READ = 4096
"""Bytes of the provider's reply read at most, once decoded (a huge body is never read whole)."""
WAIT_READ = 10**9
"""The most seconds a `Retry-After` is read as (some 31 years: the sender waits far less)."""


def asked_wait(value: str | None) -> float | None:
    """Seconds from now a `Retry-After` value names (delay-seconds or an HTTP date), or None.

    A date already past is 0; a value that is neither (or negative) is None.
    """
    value = (value or "").strip()
    seconds = whole_number(value, WAIT_READ)
    if seconds is not None:
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT; `-0000` parses naive
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fill(template: str, values: dict[str, str]) -> str:
    """Replace `{to}`, `{sender}`, `{text}` and `{id}` in one pass (values are never re-read)."""
    return PLACEHOLDER.sub(lambda match: values[match[1]], template)


class SmsChannel:
    """Posts each message to the configured provider (Twilio's form shape by default)."""

    name: ClassVar[str] = "sms"

    def __init__(self, config: SmsConfig) -> None:
        self._config = config
        url = httpx.URL(config.url)
        if config.url and (url.scheme not in ("http", "https") or not url.host):
            raise ConfigError(
                "`plugins.notifications.sms.url` must be an http:// or https:// URL",
                key="plugins.notifications.sms.url",
            )
        # The endpoint without its query, which may carry a key: safe to show in errors.
        self._where = str(url.copy_with(query=None))
        headers = {"Accept-Encoding": DECODED}
        if config.auth_header:
            headers["Authorization"] = config.auth_header
        self._client = httpx.AsyncClient(timeout=config.timeout, headers=headers)

    @property
    def configured(self) -> bool:
        """Whether a provider URL is set."""
        return bool(self._config.url)

    async def send(self, message: OutgoingMessage) -> None:
        """POST the message; 2xx is sent, 408/425/429/5xx and network errors are retried.

        A retried answer's `Retry-After` (seconds or a date) is passed on as `retry_after`.
        """
        values = {
            "to": message.to,
            "sender": self._config.sender,
            "text": message.text,
            "id": str(message.delivery_id),
        }
        fields = {key: fill(value, values) for key, value in self._config.body_template.items()}
        body = {"json" if self._config.body_format == "json" else "data": fields}
        try:
            async with self._client.stream("POST", self._config.url, **body) as response:
                start = await body_start(response, REPLY_READ)
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"SMS provider {self._where}: timed out ({exc!r})") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS provider {self._where}: {exc!r}") from exc
        if response.is_success:
            return
        status = response.status_code
        if start is None:
            reply = encoded_note(response)
        else:
            reply = f": {one_line(start, response.encoding or 'utf-8')[:REPLY_SHOWN]}"
        permanent = status < 500 and status not in RETRIED_STATUSES
        raise DeliveryError(
            f"SMS provider {self._where}: HTTP {status}{reply}",
            permanent=permanent,
            retry_after=None if permanent else asked_wait(response.headers.get("Retry-After")),
        )

    async def aclose(self) -> None:
        """Close the provider connections."""
        await self._client.aclose()
