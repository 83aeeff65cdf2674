"""Checks commands make before starting anything: busy ports, a data dir in use, warnings."""

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from hduce.core.cli import fail
from hduce.core.config import ConfigError, Settings
from hduce.core.plugin import HducePlugin

logger = logging.getLogger("hduce.startup")
C = TypeVar("C")


def busy_port(settings: Settings, plugins: Sequence[HducePlugin]) -> str | None:
    """One line naming the first port `serve` needs that is taken, and how to change it."""
    from hduce.runtime import port_is_free

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


def held_elsewhere(settings: Settings, plugins: Sequence[HducePlugin]) -> str | None:
    """One line naming what `serve` needs that another process holds, and how to resolve it.

    E.g. a second `hduce serve` on the same data dir.
    """
    data_dir = Path(settings.data_dir)
    return next(filter(None, (plugin.held_elsewhere(data_dir) for plugin in plugins)), None)


def stop_first(then: str) -> str:
    """How to resolve a refusal for a data dir or database in use, before `then` runs again."""
    return f"stop hduce serve and hduce worker first, then {then}"


def refuse_while_served(settings: Settings, plugins: Sequence[HducePlugin], then: str) -> None:
    """Stop (exit 1, one line) when a running `hduce serve` uses the data dir: `then` must wait.

    Checked before anything starts, so `serve` itself is never held back by its own lock.
    """
    if held_elsewhere(settings, plugins):
        fail(f"a running hduce serve uses the data dir {settings.data_dir}: {stop_first(then)}")


def log_startup_warnings(plugins: Sequence[HducePlugin]) -> None:
    """Log each plugin's start-up warnings (e.g. a channel set up only partly sends nothing)."""
    for problem in (line for plugin in plugins for line in plugin.startup_warnings()):
        logger.warning("%s", problem)


def refuse_in_production(settings: Settings, plugins: Sequence[HducePlugin]) -> None:
    """Stop at the first plugin setting production refuses (`hduce config check` lists them)."""
    if not settings.is_production:
        return
    for finding in (found for plugin in plugins for found in plugin.production_refusals()):
        raise ConfigError(finding.message, key=finding.key).located_here()


def plugin_config(plugins: Sequence[HducePlugin], config_type: type[C]) -> C | None:
    """The config of the enabled plugin configured by `config_type`, if it is enabled."""
    return next((p.config for p in plugins if isinstance(p.config, config_type)), None)
