"""The `hduce` commands of the auth plugin: accounts and the import of patients."""

import rich_click as click

from hduce.plugins.auth.cli._accounts import user
from hduce.plugins.auth.cli._import import import_group


def add_commands(cli: click.Group) -> None:
    """Add `hduce user …` and `hduce import patients` to the command line."""
    cli.add_command(user)
    cli.add_command(import_group)
