"""E-mail over SMTP (aiosmtplib), through a small pool of reused connections."""

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import ClassVar, NamedTuple

import aiosmtplib
from aiosmtplib.email import parse_address

from hduce.core.capacity import Capacity
from hduce.plugins.notifications.config import EmailConfig, smtp_settings
from hduce.plugins.notifications.services.channels.base import DeliveryError, OutgoingMessage

TOO_BIG = 552
MAX_IDLE = 30.0
"""Seconds an idle connection may wait for reuse; relays drop idle clients, sometimes silently."""


class Envelope(NamedTuple):
    """The SMTP envelope: MAIL FROM and the one RCPT TO."""

    sender: str
    recipient: str


def recipient(address: str) -> str:
    """`address` for RCPT TO; `ValueError` when SMTP would read it as another mailbox."""
    parsed = parse_address(address)
    if parsed != address:
        raise ValueError(f"SMTP would read it as {parsed!r}, another mailbox")
    return parsed


def build_message(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The MIME message: text, plus an HTML alternative when there is one."""
    mime = EmailMessage()
    mime["Message-ID"] = f"<{message.delivery_id}@hduce>"
    mime["Date"] = format_datetime(datetime.now(UTC))
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime.set_content(message.text)
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html")
    return mime


class EmailChannel:
    """Sends e-mail over up to `config.connections` SMTP connections kept open between sends."""

    name: ClassVar[str] = "email"

    def __init__(self, config: EmailConfig) -> None:
        self._config = config
        self._settings = smtp_settings(config)
        self._capacity = Capacity(config.connections, "SMTP connections")
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    @property
    def configured(self) -> bool:
        """Whether a relay and a sender address are set."""
        return bool(self._settings.host and self._config.from_address)

    @property
    def capacity(self) -> Capacity:
        """One place per connection: `send` takes one unless its task holds one already."""
        return self._capacity

    async def send(self, message: OutgoingMessage) -> None:
        """Send one message, or raise `DeliveryError` (permanent when the relay refuses it).

        The envelope names the sender's bare address and `message.to` alone, exactly as written:
        an address SMTP would read as another mailbox (`a;b@c` is `a`) is not sent at all.
        """
        try:
            mime = build_message(message, self._config.from_address)
            envelope = Envelope(parse_address(self._config.from_address), recipient(message.to))
        except ValueError as exc:
            raise DeliveryError(
                f"e-mail to {message.to!r} cannot be built: {exc}", permanent=True
            ) from exc
        async with self._capacity.hold():
            try:
                await self._send(mime, envelope)
            except (aiosmtplib.SMTPException, OSError) as exc:  # (a TLS error is a ValueError too)
                raise self._failure(exc) from exc
            except ValueError as exc:  # what aiosmtplib refuses to put on a command line
                raise DeliveryError(
                    f"e-mail to {message.to!r} cannot be sent: {exc}", permanent=True
                ) from exc

    async def aclose(self) -> None:
        """Close the idle connections."""
        while self._idle:
            self._idle.pop()[0].close()

    async def _send(self, mime: EmailMessage, envelope: Envelope) -> None:
        client = self._reusable()
        if client is not None:
            try:
                await self._send_on(client, mime, envelope)
                return
            except aiosmtplib.SMTPServerDisconnected:
                pass  # the relay closed it while idle: try once more on a new connection
        await self._send_on(await self._connect(), mime, envelope)

    async def _send_on(
        self, client: aiosmtplib.SMTP, mime: EmailMessage, envelope: Envelope
    ) -> None:
        try:
            await client.send_message(mime, sender=envelope.sender, recipients=[envelope.recipient])
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            self._keep(client)  # the relay answered and aiosmtplib reset the envelope
            raise
        except BaseException:
            client.close()
            raise
        self._keep(client)

    def _reusable(self) -> aiosmtplib.SMTP | None:
        now = asyncio.get_running_loop().time()
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and now - since < MAX_IDLE:
                return client
            client.close()
        return None

    def _keep(self, client: aiosmtplib.SMTP) -> None:
        if client.is_connected:
            self._idle.append((client, asyncio.get_running_loop().time()))
        else:
            client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            username=settings.username or None,
            password=settings.password or None,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            cert_bundle=self._config.ca_file or None,
            timeout=self._config.timeout,
        )
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        return client

    def _failure(self, exc: Exception) -> DeliveryError:
        """Refused recipients and content are permanent; the rest may be fixed meanwhile.

        An unreachable or busy relay, or one refusing our login or sender, is retried.
        """
        where = f"SMTP {self._settings.where}"
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            replies = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            permanent = all(r.code >= 500 for r in exc.recipients)
            return DeliveryError(f"{where} refused the recipient {replies}", permanent=permanent)
        if isinstance(exc, aiosmtplib.SMTPNotSupported):  # SMTPUTF8: the relay can never take it
            return DeliveryError(f"{where} cannot take this message: {exc}", permanent=True)
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            reply = f"{exc.code} {exc.message}"
            # 552 (too big) may already answer MAIL FROM, when the client announces the size.
            if isinstance(exc, aiosmtplib.SMTPDataError) or exc.code == TOO_BIG:
                permanent = exc.code >= 500
                return DeliveryError(f"{where} refused the message: {reply}", permanent=permanent)
            return DeliveryError(f"{where} replied {reply}")
        if isinstance(exc, TimeoutError):
            return DeliveryError(f"{where}: timed out ({exc})")
        return DeliveryError(f"{where}: {exc}")
