"""What a plugin needs to add `hduce` commands (see `HducePlugin.on_cli_init`).

The command line (`hduce.cli`) puts its runners into the root click context; a plugin's command
asks one to run work with that plugin set up, the database open and migrated, or with only the
database open, as it is (read-only checks such as `hduce audit verify`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

import rich_click as click

if TYPE_CHECKING:
    from hduce.core.db import Database

EXIT_FAILURE, EXIT_CONFIG = 1, 2
RUNNER_KEY = "run_with_plugin"
DATABASE_RUNNER_KEY = "run_with_database"
T = TypeVar("T")

ACTING_ADMIN = click.option(
    "--as",
    "acting",
    metavar="ADMIN",
    help="The admin the audit log records as acting (default: the oldest active admin that "
    "is not the account changed).",
)
"""The `--as ADMIN` option of commands that change something on an admin's behalf."""


class LazyGroup(click.RichGroup):
    """A command group whose subcommands are declared in modules imported on first use.

    `hduce --help` lists the group by its own docstring; the modules of its commands (and what
    they import: the plugin's services, the database) load only when the group itself is used.
    Each module adds its commands to the group with `@group.command()`.
    """

    def __init__(self, *args: Any, commands_in: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unloaded = list(commands_in)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The subcommands' names, their modules imported."""
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand `cmd_name`, its modules imported."""
        self._load()
        return super().get_command(ctx, cmd_name)

    def _load(self) -> None:
        while self._unloaded:
            importlib.import_module(self._unloaded.pop(0))


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
