"""`hduce search` and `hduce models`, declared cheaply: their commands load when used."""

import rich_click as click

from hduce.core.cli import LazyGroup

COMMANDS = ("hduce.plugins.search.cli._commands",)


@click.group("search", cls=LazyGroup, commands_in=COMMANDS)
def search_group() -> None:
    """Manage the search index."""


@click.group("models", cls=LazyGroup, commands_in=COMMANDS)
def models_group() -> None:
    """Manage the local models (the semantic search embedder)."""
