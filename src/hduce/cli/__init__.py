"""The `hduce` command line."""

import sys
from collections.abc import Sequence

import rich_click as click

from hduce.bootstrap import BUILTIN_PLUGINS, extra_plugin_classes
from hduce.cli import (  # noqa: F401  (registers the commands)
    _backup,
    _manage,
    _server,
)
from hduce.cli._common import hduce
from hduce.cli._plugin_commands import add_commands_of
from hduce.core.config import ConfigError, load_settings

for _plugin in BUILTIN_PLUGINS.values():
    _plugin.on_cli_init(hduce)

__all__ = ["hduce", "main"]


def main() -> None:
    """Entry point of the `hduce` console script."""
    add_extra_plugin_commands(sys.argv[1:])
    hduce(prog_name="hduce")


def add_extra_plugin_commands(args: Sequence[str]) -> None:
    """Add the commands of the `plugins.extra` plugins, read from the config `args` names.

    Production's rules are not applied here, and a config that does not load (or an extra
    plugin that does not import) adds none: the command run reports the error itself
    (`hduce version` still runs). A plugin whose commands cannot be added is one warning line.
    """
    try:
        settings = load_settings(_config_option(args), production_rules=False)
        extras = extra_plugin_classes(settings)
    except (ConfigError, OSError, ValueError):
        return
    for plugin in extras:
        if problem := add_commands_of(plugin, hduce):
            click.echo(f"hduce: warning: {problem}", err=True)


def _config_option(args: Sequence[str]) -> str | None:
    """The `--config` given before the command (click reads it only once commands exist)."""
    for index, arg in enumerate(args):
        if arg.startswith("--config="):
            return arg.partition("=")[2]
        if arg == "--config":
            return args[index + 1] if index + 1 < len(args) else None
        if not arg.startswith("-"):
            return None
    return None
