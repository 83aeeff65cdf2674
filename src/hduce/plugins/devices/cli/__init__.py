"""`hduce device`, declared cheaply; its commands load when it is used (`LazyGroup`)."""

import rich_click as click

from hduce.core.cli import LazyGroup


@click.group(cls=LazyGroup, commands_in=("hduce.plugins.devices.cli._commands",))
def device() -> None:
    """Manage medical devices (MQTT credentials)."""
