"""What a plugin needs to add `hduce` commands (see `HducePlugin.on_cli_init`).

The command line (`hduce.cli`) puts its runner into the root click context; a plugin's command
asks it to run work with that plugin set up, the database open and migrated.
"""

import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, Protocol, TypeVar

import rich_click as click

EXIT_FAILURE, EXIT_CONFIG = 1, 2
RUNNER_KEY = "run_with_plugin"
T = TypeVar("T")


class PluginRunner(Protocol):
    """Runs `work` with the named plugin set up as in a worker (the command line provides it)."""

    def __call__(self, ctx: click.Context, plugin: str, work: Callable[[Any], Awaitable[T]]) -> T:
        """`work(plugin)`'s result; exits with one clear line when it cannot run."""


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one clear line to stderr and exit."""
    click.echo(f"hduce: {message}", err=True)
    sys.exit(code)


def run_with_plugin(ctx: click.Context, plugin: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(plugin instance)` through the command line's runner."""
    runner: PluginRunner = ctx.find_root().obj[RUNNER_KEY]
    return runner(ctx, plugin, work)
