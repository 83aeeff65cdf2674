"""The `hduce` commands of the auth plugin: accounts and the import of patients.

The groups are declared here, cheaply; their commands (and the services they use) are imported
only when a group is used (`LazyGroup`).
"""

import rich_click as click

from hduce.core.cli import LazyGroup


@click.group(cls=LazyGroup, commands_in=("hduce.plugins.auth.cli._accounts",))
def user() -> None:
    """Manage accounts."""


@click.group("import", cls=LazyGroup, commands_in=("hduce.plugins.auth.cli._import",))
def import_group() -> None:
    """Bring existing records in."""


def add_commands(cli: click.Group) -> None:
    """Add `hduce user …` and `hduce import patients` to the command line."""
    cli.add_command(user)
    cli.add_command(import_group)
