"""Settings that are unsafe in production, or set only partly so that a channel sends nothing."""

from hduce.core.config import ConfigError, Finding
from hduce.core.config.addresses import is_local
from hduce.core.config.sources import environment_name
from hduce.plugins.notifications.config._sections import EmailConfig, NotificationsConfig
from hduce.plugins.notifications.config._smtp import smtp_settings

EMAIL_KEY = "plugins.notifications.email"
LOG_PATH = ("plugins", "notifications", "email", "log_when_unconfigured")


def unsafe_email(email: EmailConfig) -> list[Finding]:
    """An SMTP URL that does not parse, a remote relay reached without TLS, e-mail to the log."""
    try:
        smtp = smtp_settings(email)
    except ConfigError as exc:
        return [Finding(EMAIL_KEY, str(exc))]
    found = logged_email(email)
    if not smtp.host or smtp.security != "none" or is_local(smtp.host):
        return found
    message = (
        f"`{EMAIL_KEY}` sends to a remote relay without TLS: password and "
        "one-time links travel in clear (smtps://, or ?starttls=true in SMTP_URL)"
    )
    return [Finding(EMAIL_KEY, message), *found]


def logged_email(email: EmailConfig) -> list[Finding]:
    """E-mail written to the log for want of a relay: production refuses to start with it."""
    if not email.log_when_unconfigured or (smtp_settings(email).host and email.from_address):
        return []
    key = ".".join(LOG_PATH)
    message = (
        f"`{key}` is on and no SMTP relay is set: every e-mail, with its reset and verification "
        "links and patients' names, would be written to the log; never in production "
        f"(set {environment_name(LOG_PATH)}=false, or SMTP_URL and SMTP_FROM)"
    )
    return [Finding(key, message)]


def incomplete_channels(config: NotificationsConfig) -> list[str]:
    """What is missing from each channel that has some but not all of its settings."""
    problems = []
    email, sms = config.email, config.sms
    relay = smtp_settings(email).host
    if relay and not email.from_address:
        problems.append(
            "e-mail: an SMTP relay is set but no sender: every e-mail is skipped; "
            "set SMTP_FROM (plugins.notifications.email.from_address)"
        )
    elif email.from_address and not relay:
        problems.append(
            "e-mail: SMTP_FROM is set but no relay: every e-mail is skipped; "
            "set SMTP_URL (plugins.notifications.email.url)"
        )
    needs_sender = any("{sender}" in value for value in sms.body_template.values())
    if sms.url and needs_sender and not sms.sender:
        problems.append(
            "SMS: a provider URL is set but no sender number: the provider will refuse messages; "
            "set plugins.notifications.sms.sender (HDUCE_PLUGINS__NOTIFICATIONS__SMS__SENDER)"
        )
    return problems
