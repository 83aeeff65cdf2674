"""Where and how to reach the SMTP relay: `SMTP_URL`, or the separate fields."""

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import msgspec

from hduce.core.config import ConfigError
from hduce.plugins.notifications.config._sections import EmailConfig

Security = Literal["none", "starttls", "tls"]
URL_KEY = "plugins.notifications.email.url"
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect, from `SMTP_URL` or the separate fields."""

    host: str
    port: int
    security: Security
    username: str = ""
    password: str = field(default="", repr=False)

    @property
    def where(self) -> str:
        """`host:port`, for messages."""
        return f"{self.host}:{self.port}"


def smtp_settings(config: EmailConfig) -> SmtpSettings:
    """Resolve the connection settings; `url` wins over host/port/username/password/security."""
    if not config.url:
        return msgspec.convert(config, SmtpSettings, from_attributes=True)  # the fields as set
    parts = urlsplit(config.url)
    if parts.scheme not in ("smtp", "smtps"):
        raise _url_error(f"scheme `{parts.scheme}://` is not smtp:// or smtps://")
    if not parts.hostname:
        raise _url_error("it names no host")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if set(query) - {"starttls"}:
        raise _url_error(f"unknown option `{sorted(set(query) - {'starttls'})[0]}`")
    starttls = _BOOLEANS.get(query.get("starttls", "false").lower())
    if starttls is None:
        raise _url_error("`starttls` must be true or false")
    if parts.scheme == "smtps" and starttls:
        raise _url_error("smtps:// is TLS already; drop ?starttls")
    security: Security = "tls" if parts.scheme == "smtps" else "starttls" if starttls else "none"
    try:
        port = parts.port or {"tls": 465, "starttls": 587, "none": 25}[security]
    except ValueError:
        raise _url_error("the port is not a number between 0 and 65535") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def _url_error(reason: str) -> ConfigError:
    return ConfigError(f"`{URL_KEY}` (SMTP_URL): {reason}", key=URL_KEY)
