"""`hduce staff-notes ...`."""

from typing import Any

import rich_click as click

from hduce.core.cli import run_with_plugin


def add_commands(cli: click.Group, plugin_name: str) -> None:
    """Add `hduce staff-notes count` to `cli`."""

    @cli.group("staff-notes")
    def staff_notes() -> None:
        """The staff_notes example plugin."""

    @staff_notes.command("count")
    @click.pass_context
    def count(ctx: click.Context) -> None:
        """Print how many notes there are."""

        async def work(plugin: Any) -> int:
            return int(await plugin.store.count())

        click.echo(f"{run_with_plugin(ctx, plugin_name, work)} staff notes")
