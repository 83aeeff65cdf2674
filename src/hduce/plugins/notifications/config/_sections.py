"""The `[plugins.notifications]` sections: channels, templates, retries, live streams."""

from typing import Literal

import msgspec

from hduce.core.config import Port, Positive, PositiveDuration, Section


class EmailConfig(Section):
    """SMTP delivery; e-mail is skipped until `url` or `host` and `from_address` are set."""

    url: str = ""
    """Env `SMTP_URL`: `smtp://user:pass@host:port`, `smtps://` (TLS), `?starttls=true`."""
    host: str = ""
    port: Port = 587
    username: str = ""
    password: str = ""
    """Environment only: `HDUCE_PLUGINS__NOTIFICATIONS__EMAIL__PASSWORD`."""
    security: Literal["none", "starttls", "tls"] = "starttls"
    from_address: str = ""
    """The sender, e.g. `Clinic <noreply@clinic.example>`; env `SMTP_FROM`."""
    timeout: PositiveDuration = PositiveDuration(15)
    """The longest wait for the relay; a whole attempt is cut off 5 s after it."""
    ca_file: str = ""
    """A PEM file of CA certificates for a relay with a private CA; the system's CAs otherwise."""
    connections: Positive = 4
    """SMTP connections kept open and used at once (at most half of `send_concurrency` are
    used); an e-mail finding all busy is put off."""
    log_when_unconfigured: bool = False
    """Without a relay, write each e-mail to the log (development: follow links from there)."""


class SmsConfig(Section):
    """An HTTP SMS provider; SMS is skipped until `url` is set."""

    url: str = ""
    """The provider's send endpoint, e.g. Twilio's `.../Accounts/<sid>/Messages.json`."""
    auth_header: str = ""
    """Environment only: the `Authorization` header value, e.g. `Basic base64(sid:token)`."""
    body_format: Literal["form", "json"] = "form"
    body_template: dict[str, str] = msgspec.field(
        default_factory=lambda: {"To": "{to}", "From": "{sender}", "Body": "{text}"}
    )
    """Request fields; `{to}`, `{sender}`, `{text}` and `{id}` (the delivery id) are replaced."""
    sender: str = ""
    """The sender number or name."""
    timeout: PositiveDuration = PositiveDuration(15)
    """The longest wait for the provider; a whole attempt is cut off 5 s after it."""


class NotificationsConfig(Section):
    """Channels, templates, retries and quiet-hours defaults."""

    clinic_name: str = "HDuce clinic"
    """How messages name the sender (`clinic_name` in every template)."""
    verify_email_url: str = "{public_url}/verify-email?token={token}"
    """The link in verification e-mails; `{public_url}` is `server.public_url`."""
    reset_password_url: str = "{public_url}/reset-password?token={token}"
    device_alert_url: str = "{public_url}/clinic/alerts/{alert_id}"
    """The link in device alert messages (the web console's alert page, where clinicians
    acknowledge it); `{public_url}` is `server.public_url`."""
    email: EmailConfig = msgspec.field(default_factory=EmailConfig)
    sms: SmsConfig = msgspec.field(default_factory=SmsConfig)
    template_dirs: tuple[str, ...] = ()
    """A clinic's own template folders, searched before the built-in ones."""
    max_attempts: Positive = 6
    """Sending attempts per delivery before it is marked `failed`."""
    retry_base: PositiveDuration = PositiveDuration(30)
    """Delay before the first retry; each further retry doubles it, up to `retry_max`."""
    retry_max: PositiveDuration = PositiveDuration(3600)
    """Longest delay between two attempts of a delivery."""
    send_concurrency: Positive = 8
    """Deliveries one process sends at once, at most half of them on one channel (so a slow
    relay or SMS provider never holds up the others); one more is put off for a moment, not
    queued in a task slot."""
    stream_max_duration: PositiveDuration = PositiveDuration(300)
    """How long one live stream stays open; clients reconnect (SSE does so by itself)."""
    max_streams_per_user: Positive = 5
    """Live streams one user may hold open in one `hduce serve` process; more get 429."""
