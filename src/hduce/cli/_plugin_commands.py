"""The commands an extra plugin adds to `hduce`, refused when they would break others."""

import rich_click as click

from hduce.core.config import ConfigError
from hduce.core.plugin import HducePlugin
from hduce.core.plugin_failures import failing_as


def add_commands_of(plugin: type[HducePlugin], cli: click.Group) -> str | None:
    """Add what `plugin.on_cli_init` declares to `cli`; one line saying what was left out.

    The plugin declares its commands on a group of its own first: a command named like one
    `cli` has (`backup`) is left out rather than silently replacing it, and a failing
    `on_cli_init` leaves out all of the plugin's commands and none of the others.
    """
    declared = click.RichGroup()
    try:
        with failing_as(plugin.name, "on_cli_init()"):
            plugin.on_cli_init(declared)
    except ConfigError as exc:
        return f"{exc}: its commands are left out"
    taken = sorted(set(declared.commands) & set(cli.commands))
    for name, command in declared.commands.items():
        if name not in taken:
            cli.add_command(command, name)
    if not taken:
        return None
    return (
        f"plugin {plugin.name!r} adds the command {', '.join(taken)}, which hduce already has:"
        " left out (rename the plugin's command)"
    )
