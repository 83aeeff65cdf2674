"""Settings of the notifications plugin (`[plugins.notifications]`) and their checks."""

from hduce.plugins.notifications.config._checks import (
    incomplete_channels,
    logged_email,
    unsafe_email,
)
from hduce.plugins.notifications.config._sections import EmailConfig, NotificationsConfig, SmsConfig
from hduce.plugins.notifications.config._smtp import SmtpSettings, smtp_settings

__all__ = [
    "EmailConfig",
    "NotificationsConfig",
    "SmsConfig",
    "SmtpSettings",
    "incomplete_channels",
    "logged_email",
    "smtp_settings",
    "unsafe_email",
]
