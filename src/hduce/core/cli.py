"""What a plugin needs to add `hduce` commands (see `HducePlugin.on_cli_init`).

The command line (`hduce.cli`) puts its runners into the root click context; a plugin's command
asks one to run work with that plugin set up, the database open and migrated, or with only the
database open, as it is (read-only checks such as `hduce audit verify`).
"""

import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, Protocol, TypeVar

import rich_click as click

from hduce.core.db import Database

EXIT_FAILURE, EXIT_CONFIG = 1, 2
RUNNER_KEY = "run_with_plugin"
DATABASE_RUNNER_KEY = "run_with_database"
T = TypeVar("T")

ACTING_ADMIN = click.option(
    "--as",
    "acting",
    metavar="ADMIN",
    help="The admin the audit log records as acting (default: the oldest active admin).",
)
"""The `--as ADMIN` option of commands that change something on an admin's behalf."""


class PluginRunner(Protocol):
    """Runs `work` with the named plugin set up as in a worker (the command line provides it)."""

    def __call__(self, ctx: click.Context, plugin: str, work: Callable[[Any], Awaitable[T]]) -> T:
        """`work(plugin)`'s result; exits with one clear line when it cannot run."""


class DatabaseRunner(Protocol):
    """Runs `work` on the database as it is: nothing migrated, no plugin set up."""

    def __call__(self, ctx: click.Context, work: Callable[[Database], Awaitable[T]]) -> T:
        """`work(db)`'s result; exits with one clear line when the database cannot be reached."""


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one clear line to stderr and exit."""
    click.echo(f"hduce: {message}", err=True)
    sys.exit(code)


def run_with_plugin(ctx: click.Context, plugin: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(plugin instance)` through the command line's runner."""
    runner: PluginRunner = ctx.find_root().obj[RUNNER_KEY]
    return runner(ctx, plugin, work)


def run_with_database(ctx: click.Context, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work(db)` through the command line's database runner."""
    runner: DatabaseRunner = ctx.find_root().obj[DATABASE_RUNNER_KEY]
    return runner(ctx, work)
