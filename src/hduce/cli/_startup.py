"""Checks `serve` and `worker` make before starting anything: busy ports, half-set channels."""

import logging
from collections.abc import Sequence
from typing import TypeVar

from hduce.core.config import Settings
from hduce.core.plugin import HducePlugin
from hduce.plugins.notifications.channels.email import smtp_settings
from hduce.plugins.notifications.config import NotificationsConfig
from hduce.runtime import port_is_free

logger = logging.getLogger("hduce.startup")
C = TypeVar("C")


def busy_port(settings: Settings, plugins: Sequence[HducePlugin]) -> str | None:
    """One line naming the first port `serve` needs that is taken, and how to change it."""
    server = settings.server
    if not port_is_free(server.host, server.port):
        return (
            f"port {server.port} on {server.host} is already in use "
            "(set --port or server.port / HDUCE_SERVER__PORT)"
        )
    for listener in (found for plugin in plugins for found in plugin.listening_ports()):
        if listener.port and not port_is_free(listener.host, listener.port):
            return (
                f"{listener.what} port {listener.port} on {listener.host} is already in use "
                f"(set {listener.setting})"
            )
    return None


def warn_about_incomplete_channels(plugins: Sequence[HducePlugin]) -> None:
    """Log one warning per notification channel that is set up only partly (it sends nothing)."""
    config = plugin_config(plugins, NotificationsConfig)
    for problem in incomplete_channels(config) if config else []:
        logger.warning("%s", problem)
    for problem in (line for plugin in plugins for line in plugin.startup_warnings()):
        logger.warning("%s", problem)


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


def plugin_config(plugins: Sequence[HducePlugin], config_type: type[C]) -> C | None:
    """The config of the enabled plugin configured by `config_type`, if it is enabled."""
    return next((p.config for p in plugins if isinstance(p.config, config_type)), None)
